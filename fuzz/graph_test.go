package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wirekit/wirekit/graph"
	"github.com/wirekit/wirekit/internal/alloc"
)

// Types the graph fuzz target decodes into.

type gnode struct {
	Val  int32
	Next *gnode
}

type gtree struct {
	Name  string
	Kids  []*gtree
	Index map[string]*gtree
	Attrs map[string]int64
	Peer  any
	Raw   []byte
	When  time.Time
	Small int8
	Flags [2]bool
}

type gnest []gnest

func init() {
	graph.Register("gtree", &gtree{})
	graph.Register("gnode", &gnode{})
	graph.Register("int", 0)
}

var graphTargets = []func() any{
	func() any { return new(*gnode) },
	func() any { return new(*gtree) },
	func() any { return new(gnest) },
	func() any { return new(map[int32][]string) },
}

var graphLimits = graph.Limits{MaxDepth: 32, MaxBytes: 1 << 16, MaxElements: 256}

func graphSeeds(tb testing.TB) []graphSeed {
	tb.Helper()
	cyclic := &gnode{1, &gnode{2, nil}}
	cyclic.Next.Next = cyclic
	a := &gtree{Name: "a", Attrs: map[string]int64{"x": 1, "y": -2}, Raw: []byte{1, 2}, Small: -3,
		When: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
	b := &gtree{Name: "b", Kids: []*gtree{a}, Peer: a}
	a.Kids, a.Index, a.Peer = []*gtree{b, b}, map[string]*gtree{"b": b, "a": a}, 7
	var seeds []graphSeed
	for _, v := range []any{&gnode{5, &gnode{7, nil}}, cyclic, a, gnest{{}, {{}}}, map[int32][]string{1: {"a"}, -1: nil}} {
		for _, mode := range []graph.Mode{graph.Shallow, graph.Tree, graph.Graph} {
			data, err := graph.Marshal(v, mode)
			if err != nil {
				continue // cycles in Tree mode
			}
			seeds = append(seeds, graphSeed{data, uint8(mode)})
		}
	}
	return append(seeds,
		graphSeed{[]byte{0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 0}, 2},        // id beyond the next
		graphSeed{[]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, 1},        // a 4-billion count
		graphSeed{bytes.Repeat([]byte{0, 0, 0, 2}, 100), 1},             // deep nesting
		graphSeed{append([]byte{0, 0, 0, 1, 0, 0, 0, 4}, "nope"...), 2}, // unregistered name
	)
}

type graphSeed struct {
	data []byte
	mode uint8
}

var graphSentinels = []error{io.ErrUnexpectedEOF, graph.ErrBadID, graph.ErrUnregistered, graph.ErrInvalid,
	graph.ErrDepth, graph.ErrLimit, graph.ErrTrailingData}

// FuzzGraphUnmarshal decodes arbitrary bytes into several types in every
// mode. Properties: no panic, no hang; memory within a multiple of the
// input; errors documented; and whatever decodes encodes again, into bytes
// that decode and encode to the same bytes (the first re-encoding may
// reorder map entries).
func FuzzGraphUnmarshal(f *testing.F) {
	for _, s := range graphSeeds(f) {
		f.Add(s.data, s.mode)
	}
	f.Fuzz(func(t *testing.T, data []byte, m uint8) {
		mode := graph.Mode(m % 3)
		for _, target := range graphTargets {
			v := target()
			before := allocatedBytes()
			err := graphLimits.Unmarshal(data, v, mode)
			budget := 128*uint64(len(data)) + 64<<10
			if used := allocatedBytes() - before; used > budget {
				used = alloc.Least(func() { _ = graphLimits.Unmarshal(data, target(), mode) })
				if used > budget {
					t.Fatalf("%T: decoding %d bytes allocated %d", v, len(data), used)
				}
			}
			if err != nil {
				checkGraphError(t, err)
				continue
			}
			once, err := graph.Marshal(derefAny(v), mode)
			if err != nil {
				t.Fatalf("%T %v: a decoded value does not encode: %v", v, mode, err)
			}
			w := target()
			if err := graphLimits.Unmarshal(once, w, mode); err != nil {
				t.Fatalf("%T %v: re-encoding does not decode: %v\n%x", v, mode, err, once)
			}
			twice, err := graph.Marshal(derefAny(w), mode)
			if err != nil || !bytes.Equal(once, twice) {
				t.Fatalf("%T %v: encoding is not stable (%v):\n once  %x\n twice %x", v, mode, err, once, twice)
			}
		}
	})
}

// derefAny returns what the pointer v points to, as Marshal should see it.
func derefAny(v any) any {
	switch p := v.(type) {
	case **gnode:
		return *p
	case **gtree:
		return *p
	case *gnest:
		return *p
	case *map[int32][]string:
		return *p
	}
	panic(fmt.Sprintf("unexpected %T", v))
}

func checkGraphError(t *testing.T, err error) {
	t.Helper()
	var ge *graph.Error
	if !errors.As(err, &ge) {
		t.Fatalf("error %v (%T) is not a *graph.Error", err, err)
	}
	for _, s := range graphSentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error %v wraps no documented sentinel", err)
}

// TestWriteGraphSeeds rewrites testdata/fuzz/FuzzGraphUnmarshal from
// graphSeeds: go test ./fuzz -run WriteGraphSeeds -write-seeds.
func TestWriteGraphSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -write-seeds to rewrite the corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzGraphUnmarshal")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range graphSeeds(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\nbyte(%q)\n", s.data, s.mode)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
