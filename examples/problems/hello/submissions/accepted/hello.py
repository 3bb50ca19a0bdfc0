#!/usr/bin/env python3
name = input().strip()
print(f"Hello, {name}!")
