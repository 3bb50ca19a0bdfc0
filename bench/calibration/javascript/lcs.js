// Longest common subsequence of two strings of length N over {0,1,2,3} drawn from the minstd
// LCG (seed 12345): the first N draws, then the next N. Prints its length.
const n = Number(require('fs').readFileSync(0, 'utf8').trim());
let x = 12345;
const draw = () => {
  x = (x * 48271) % 2147483647;
  return x % 4;
};
const s = Array.from({ length: n }, draw);
const t = Array.from({ length: n }, draw);
let prev = new Int32Array(n + 1);
let cur = new Int32Array(n + 1);
for (let i = 1; i <= n; i++) {
  for (let j = 1; j <= n; j++) {
    cur[j] = s[i - 1] === t[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
  }
  [prev, cur] = [cur, prev];
}
console.log(prev[n]);
