// Sorts N pseudo-random ints (minstd LCG, seed 12345) and prints a polynomial hash of the
// sorted array modulo 1e9+7.
const n = Number(require('fs').readFileSync(0, 'utf8').trim());
const a = [];
let x = 12345;
for (let i = 0; i < n; i++) {
  x = (x * 48271) % 2147483647;
  a.push(x);
}
a.sort((p, q) => p - q);
let hash = 0;
for (const value of a) hash = (hash * 31 + value) % 1000000007;
console.log(hash);
