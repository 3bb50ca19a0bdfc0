import * as fs from 'fs';

const data: number[] = fs.readFileSync(0, 'utf8').split(/\s+/).filter(Boolean).map(Number);
const n: number = data[0];
let s: number = 0;
for (let i = 1; i <= n; i++) s += data[i];
console.log(s);
