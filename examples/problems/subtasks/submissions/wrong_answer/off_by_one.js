// Loops to n - 1 instead of n: the last number is never added.
const tokens = require('fs').readFileSync(0, 'utf8').split(/\s+/).filter((t) => t.length > 0);
const n = Number(tokens[0]);
let total = 0n;
for (let i = 1; i < n; i++) total += BigInt(tokens[i]);
console.log(total.toString());
