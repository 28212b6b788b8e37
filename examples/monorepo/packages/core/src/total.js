module.exports.total = (items) => items.reduce((sum, n) => sum + n, 0);
module.exports.check = () => module.exports.total([1, 2, 3]) === 6;
