// Sieve of Eratosthenes up to N: prints the number of primes <= N and their sum.
const n = Number(require('fs').readFileSync(0, 'utf8').trim());
const composite = new Uint8Array(n + 1);
for (let i = 2; i * i <= n; i++) {
  if (!composite[i]) {
    for (let j = i * i; j <= n; j += i) composite[j] = 1;
  }
}
let count = 0;
let sum = 0;
for (let i = 2; i <= n; i++) {
  if (!composite[i]) {
    count++;
    sum += i;
  }
}
console.log(count + ' ' + sum);
