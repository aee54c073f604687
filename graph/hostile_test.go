package graph_test

import (
	"bytes"
	"encoding/gob"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/graph"
	"github.com/wirekit/wirekit/internal/alloc"
)

func wantGraphErr(t *testing.T, err, sentinel error, msg string) {
	t.Helper()
	var ge *graph.Error
	if !errors.As(err, &ge) || !errors.Is(err, sentinel) || !strings.Contains(err.Error(), msg) {
		t.Errorf("err = %v, want %v saying %q", err, sentinel, msg)
	}
}

type Other struct{ X int32 }

func TestBadIDs(t *testing.T) {
	var head *L
	// An id beyond the next unassigned one: the first object must be 1.
	wantGraphErr(t, graph.Unmarshal(ints(2, 5, 0), &head, graph.Graph), graph.ErrBadID, "id 2 is beyond the next unassigned id 1 at offset 0")
	wantGraphErr(t, graph.Unmarshal(ints(1, 5, 3, 7, 0), &head, graph.Graph), graph.ErrBadID, "id 3 is beyond the next unassigned id 2 at offset 8")
	// A reference to an object of another type.
	type two struct {
		A *L
		B *Other
	}
	var v two
	wantGraphErr(t, graph.Unmarshal(ints(1, 5, 0, 1), &v, graph.Graph), graph.ErrBadID, "id 1 names a graph_test.L, not a graph_test.Other at offset 12")
	// A map id used for a pointer.
	type mixed struct {
		M map[string]int32
		P *L
	}
	wantGraphErr(t, graph.Unmarshal(ints(1, 0, 1), new(mixed), graph.Graph), graph.ErrBadID, "names a map[string]int32, not a graph_test.L")
}

func TestUnregisteredName(t *testing.T) {
	var v struct{ V any }
	data := append(ints(4), "nope"...)
	wantGraphErr(t, graph.Unmarshal(data, &v, graph.Graph), graph.ErrUnregistered, `type name "nope" is not registered`)
	// A registered type that does not fit the interface.
	type Stringer interface{ String() string }
	var s struct{ V Stringer }
	data = append(ints(4), "node"...)
	wantGraphErr(t, graph.Unmarshal(data, &s, graph.Graph), graph.ErrUnregistered, "does not implement")
}

func TestCountsBeyondInput(t *testing.T) {
	huge := ints(-1, 0) // a count of 4294967295, then 4 bytes
	for name, target := range map[string]func() any{
		"slice":  func() any { return new([]int64) },
		"string": func() any { return new(string) },
		"bytes":  func() any { return new([]byte) },
		"structs": func() any {
			return new([]struct {
				A, B string
				C    []int
			})
		},
	} {
		t.Run(name, func(t *testing.T) {
			v := target()
			err := graph.Unmarshal(huge, v, graph.Tree)
			if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, graph.ErrLimit) {
				t.Errorf("err = %v", err)
			}
			if n := alloc.PerCall(50, func() { _ = graph.Unmarshal(huge, v, graph.Tree) }); n > 2<<10 {
				t.Errorf("8 bytes of input allocated %d bytes", n)
			}
		})
	}
	// A map announcing a billion entries.
	var m map[string]*L
	err := graph.Unmarshal(ints(1, 1<<30, 0), &m, graph.Graph)
	wantGraphErr(t, err, graph.ErrLimit, "count 1073741824 exceeds MaxElements")
	err = graph.Limits{MaxElements: 1 << 31}.Unmarshal(ints(1, 1<<30, 0), &m, graph.Graph)
	wantGraphErr(t, err, io.ErrUnexpectedEOF, "count 1073741824 needs at least 8589934592 bytes")
}

// TestObjectsCostInput: every new object needs an id of its own in the
// input, so objects cost memory in proportion to the input.
func TestObjectsCostInput(t *testing.T) {
	var b []byte
	for i := range 10000 {
		b = append(b, ints(int32(i+1), int32(i))...)
	}
	b = append(b, ints(0)...)
	var head *L
	if err := graph.Unmarshal(b, &head, graph.Graph); err != nil {
		t.Fatal(err)
	}
	// Per 8 bytes of input: a 16-byte node and a 16-byte entry in the id
	// table, which grows by doubling: about 10 times the input.
	if n := alloc.PerCall(5, func() { _ = graph.Unmarshal(b, &head, graph.Graph) }); n > 16*uint64(len(b)) {
		t.Errorf("%d bytes decoded into %d bytes", len(b), n)
	}
}

// R nests: R is a slice of R.
type R []R

func TestDepthLimit(t *testing.T) {
	// Each level holds two elements, the first of which nests: the
	// second keeps each level's work unfinished.
	var b []byte
	for range 1000 {
		b = append(b, ints(2)...)
	}
	b = append(b, ints(0)...)
	for range 1000 {
		b = append(b, ints(0)...)
	}
	var r R
	if err := graph.Unmarshal(b, &r, graph.Tree); err != nil {
		t.Fatalf("default limit: %v", err)
	}
	wantGraphErr(t, graph.Limits{MaxDepth: 100}.Unmarshal(b, &r, graph.Tree), graph.ErrDepth, "nesting exceeds MaxDepth (100)")
	// A linked list takes constant depth, however long.
	var head *L
	long := ints(1, 0)
	for i := range 10000 {
		long = append(long, ints(1, int32(i))...)
	}
	long = append(long, ints(0)...)
	if err := (graph.Limits{MaxDepth: 4}).Unmarshal(long, &head, graph.Tree); err != nil {
		t.Errorf("a list under MaxDepth 4: %v", err)
	}
}

// TestTruncationEverywhere cuts a message with every feature at every
// offset: always an error, never a panic.
func TestTruncationEverywhere(t *testing.T) {
	a, b := &Node{Name: "a"}, &Node{Name: "b"}
	a.Kids, b.Kids = []*Node{b, a}, []*Node{b}
	a.Index = map[string]*Node{"b": b, "a": a}
	b.Peer = a
	full, err := graph.Marshal(a, graph.Graph)
	if err != nil {
		t.Fatal(err)
	}
	for cut := range len(full) {
		var out *Node
		err := graph.Unmarshal(full[:cut], &out, graph.Graph)
		var ge *graph.Error
		if !errors.As(err, &ge) || !errors.Is(err, io.ErrUnexpectedEOF) || ge.Offset > int64(cut) {
			t.Fatalf("cut at %d: %v", cut, err)
		}
	}
	var out *Node
	wantGraphErr(t, graph.Unmarshal(append(full, 0, 0, 0, 0), &out, graph.Graph), graph.ErrTrailingData, "4 trailing bytes")
}

func TestInvalidValues(t *testing.T) {
	tests := []struct {
		name string
		v    any
		data []byte
		mode graph.Mode
		msg  string
	}{
		{"bool 2", new(bool), ints(2), graph.Tree, "bool value 2 is not 0 or 1"},
		{"int8 out of range", new(int8), ints(200), graph.Tree, "200 does not fit in a int8"},
		{"uint16 out of range", new(uint16), ints(70000), graph.Tree, "70000 does not fit in a uint16"},
		{"tree flag 2", new(*L), ints(2), graph.Tree, "optional-data flag 2 is not 0 or 1"},
		{"duplicate map key", new(map[int32]int32), ints(1, 2, 7, 1, 7, 2), graph.Tree, "duplicate key"},
		{"non-zero padding", new(string), append(ints(1), 'a', 0, 1, 0), graph.Tree, "non-zero padding"},
		{"bad time", new(struct{ T timeLike }), append(ints(3), 1, 2, 3, 0), graph.Tree, "UnmarshalBinary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantGraphErr(t, graph.Unmarshal(tt.data, tt.v, tt.mode), graph.ErrInvalid, tt.msg)
		})
	}
}

// timeLike is a BinaryMarshaler that refuses bad input.
type timeLike struct{ n int }

func (t timeLike) MarshalBinary() ([]byte, error) { return []byte{byte(t.n)}, nil }
func (t *timeLike) UnmarshalBinary(b []byte) error {
	if len(b) != 1 {
		return errors.New("want one byte")
	}
	t.n = int(b[0])
	return nil
}

// TestGobCannotEncodeCycles shows where encoding/gob cannot go: a cyclic
// value sends it into endless recursion (it dies of stack exhaustion, so
// this runs it in a child process with a small stack limit). graph encodes
// the same value in Graph mode.
func TestGobCannotEncodeCycles(t *testing.T) {
	head := list(5, 7, 3, 9)
	head.Nxt.Nxt.Nxt.Nxt = head
	if os.Getenv("GRAPH_GOB_CYCLE") == "1" {
		debug.SetMaxStack(1 << 20)
		_ = gob.NewEncoder(io.Discard).Encode(head)
		os.Exit(0) // not reached
	}
	if _, err := graph.Marshal(head, graph.Graph); err != nil {
		t.Fatalf("graph: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestGobCannotEncodeCycles$")
	cmd.Env = append(os.Environ(), "GRAPH_GOB_CYCLE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil || !strings.Contains(stderr.String(), "stack exceeds") {
		t.Errorf("gob on a cyclic list: %v; expected it to die of stack exhaustion, stderr:\n%.400s", err, stderr.String())
	}
}
