module.exports.add = (a, b) => a + b;
module.exports.check = () => module.exports.add(2, 2) === 4;
