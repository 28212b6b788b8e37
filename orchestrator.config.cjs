module.exports = { stateDir: 5 };
