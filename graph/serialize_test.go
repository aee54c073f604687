package graph_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wirekit/wirekit/graph"
)

// ints encodes each number as a 4-byte XDR int, as the seed writes its
// examples.
func ints(ns ...int32) []byte {
	var b []byte
	for _, n := range ns {
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	return b
}

// TestSeedGoldens are seed 004's bytes for the list 5→7→3→9.
func TestSeedGoldens(t *testing.T) {
	head := list(5, 7, 3, 9)
	tests := []struct {
		name string
		v    any
		mode graph.Mode
		want []byte
	}{
		{"shallow of the head", *head, graph.Shallow, ints(5, 0)},
		{"shallow of a pointer to the head", head, graph.Shallow, ints(1, 5, 0)},
		{"tree of a pointer to the head", head, graph.Tree, ints(1, 5, 1, 7, 1, 3, 1, 9, 0)},
		{"graph of a pointer to the head", head, graph.Graph, ints(1, 5, 2, 7, 3, 3, 4, 9, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := graph.Marshal(tt.v, tt.mode)
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Fatalf("Marshal = %x, %v\n          want %x", got, err, tt.want)
			}
			out := reflect.New(reflect.TypeOf(tt.v))
			if err := graph.Unmarshal(tt.want, out.Interface(), tt.mode); err != nil {
				t.Fatal(err)
			}
			again, err := graph.Marshal(out.Elem().Interface(), tt.mode)
			if err != nil || !bytes.Equal(again, tt.want) {
				t.Errorf("decoded value re-encodes as %x, %v", again, err)
			}
		})
	}
	// Shallow: the receiver gets the head, its pointer nil.
	var shallow L
	if err := graph.Unmarshal(ints(5, 0), &shallow, graph.Shallow); err != nil || shallow.Val != 5 || shallow.Nxt != nil {
		t.Errorf("shallow decode: %+v, %v", shallow, err)
	}

	// 9's next points back at the head: the last id is 1 again.
	head.Nxt.Nxt.Nxt.Nxt = head
	got, err := graph.Marshal(head, graph.Graph)
	if want := ints(1, 5, 2, 7, 3, 3, 4, 9, 1); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("cyclic: %x, %v\n  want %x", got, err, want)
	}
	var back *L
	if err := graph.Unmarshal(got, &back, graph.Graph); err != nil {
		t.Fatal(err)
	}
	if back.Nxt.Nxt.Nxt.Val != 9 || back.Nxt.Nxt.Nxt.Nxt != back {
		t.Error("decoding the cyclic bytes does not give a list whose last node points back to the head")
	}
}

func TestTreeRefusesCycles(t *testing.T) {
	head := list(5, 7, 3)
	head.Nxt.Nxt.Nxt = head
	_, err := graph.Marshal(head, graph.Tree)
	var ge *graph.Error
	if !errors.As(err, &ge) || !errors.Is(err, graph.ErrCycle) {
		t.Fatalf("err = %v, want ErrCycle", err)
	}
	// Shared, acyclic objects are fine in Tree mode: written twice.
	shared := list(1)
	type pair struct{ A, B *L }
	b, err := graph.Marshal(&pair{shared, shared}, graph.Tree)
	if err != nil || !bytes.Equal(b, ints(1, 1, 1, 0, 1, 1, 0)) {
		t.Errorf("shared object in Tree mode: %x, %v", b, err)
	}
	var out *pair
	if err := graph.Unmarshal(b, &out, graph.Tree); err != nil || out.A == out.B || out.A.Val != 1 {
		t.Errorf("Tree mode decodes two objects: %v", err)
	}
	// A map inside itself.
	m := map[string]any{}
	m["me"] = m
	graph.Register("mapself", map[string]any{})
	if _, err := graph.Marshal(m, graph.Tree); !errors.Is(err, graph.ErrCycle) {
		t.Errorf("map inside itself: %v", err)
	}
}

// Node is a graph node for the round trips: shared children, self-loops,
// maps pointing at each other, interfaces holding cycles.
type Node struct {
	Name  string
	Kids  []*Node
	Index map[string]*Node
	Peer  any
}

func init() { graph.Register("node", &Node{}) }

func TestGraphRoundTrips(t *testing.T) {
	a, b, c := &Node{Name: "a"}, &Node{Name: "b"}, &Node{Name: "c"}
	a.Kids = []*Node{b, c, b}          // shared child, twice
	b.Kids = []*Node{b}                // self-loop
	a.Index = map[string]*Node{"c": c} // map pointing at
	c.Index = map[string]*Node{"a": a} // ... each other's owners
	b.Index = a.Index                  // a map reachable twice
	c.Peer = a                         // an interface holding a cycle
	data, err := graph.Marshal(a, graph.Graph)
	if err != nil {
		t.Fatal(err)
	}
	var out *Node
	if err := graph.Unmarshal(data, &out, graph.Graph); err != nil {
		t.Fatal(err)
	}
	ob, oc := out.Kids[0], out.Kids[1]
	checks := []struct {
		name string
		ok   bool
	}{
		{"names", out.Name == "a" && ob.Name == "b" && oc.Name == "c"},
		{"shared child is one object", out.Kids[2] == ob},
		{"self-loop", ob.Kids[0] == ob},
		{"map points back", oc.Index["a"] == out && out.Index["c"] == oc},
		{"map reachable twice is one map", reflect.ValueOf(ob.Index).UnsafePointer() == reflect.ValueOf(out.Index).UnsafePointer()},
		{"interface holds the cycle", oc.Peer.(*Node) == out},
	}
	for _, c := range checks {
		if !c.ok {
			t.Error(c.name)
		}
	}
	again, err := graph.Marshal(out, graph.Graph)
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("re-encoding differs (%v)", err)
	}
}

// TestLongListEveryMode: a million-node list round-trips in Tree and Graph
// modes without growing the goroutine stack.
func TestLongListEveryMode(t *testing.T) {
	var head *L
	for i := range 1_000_000 {
		head = &L{int32(i), head}
	}
	for _, mode := range []graph.Mode{graph.Tree, graph.Graph} {
		data, err := graph.Marshal(head, mode)
		if err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		var out *L
		if err := graph.Unmarshal(data, &out, mode); err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		n := 0
		for p, q := out, head; p != nil; p, q = p.Nxt, q.Nxt {
			if p.Val != q.Val {
				t.Fatalf("%v: node %d differs", mode, n)
			}
			n++
		}
		if n != 1_000_000 {
			t.Errorf("%v: %d nodes", mode, n)
		}
	}
}

type kinds struct {
	I8   int8
	I16  int16
	I32  int32
	I    int
	I64  int64
	U8   uint8
	U16  uint16
	U32  uint32
	U    uint
	U64  uint64
	Up   uintptr
	F32  float32
	F64  float64
	C64  complex64
	C128 complex128
	B    bool
	S    string
	Raw  []byte
	Fix  [3]byte
	Arr  [2][2]int16
	Ints []int32
	Strs []string
	M    map[string]int
	MI   map[int][]string
	When time.Time
	PP   **int
	Skip string `graph:"-"`
	low  int
	Emb
}

type Emb struct{ E string }

func TestEveryKindRoundTrips(t *testing.T) {
	n := 7
	pn := &n
	in := kinds{
		I8: -128, I16: math.MinInt16, I32: math.MinInt32, I: math.MinInt64, I64: math.MaxInt64,
		U8: 255, U16: math.MaxUint16, U32: math.MaxUint32, U: math.MaxUint64, U64: 1, Up: 12,
		F32: float32(math.Inf(1)), F64: -0.5, C64: complex(1, -2), C128: complex(math.Pi, math.E), B: true,
		S: "héllo", Raw: []byte{1, 2, 3, 4, 5}, Fix: [3]byte{9, 8, 7}, Arr: [2][2]int16{{1, -1}, {2, -2}},
		Ints: []int32{1, 2}, Strs: []string{"a", ""}, M: map[string]int{"b": 2, "a": 1, "c": 3},
		MI: map[int][]string{3: {"x"}, -1: nil}, When: time.Date(2026, 11, 22, 8, 0, 0, 5, time.UTC),
		PP: &pn, Skip: "not sent", low: 5, Emb: Emb{"embedded"},
	}
	for _, mode := range []graph.Mode{graph.Tree, graph.Graph} {
		data, err := graph.Marshal(&in, mode)
		if err != nil {
			t.Fatal(err)
		}
		var out *kinds
		if err := graph.Unmarshal(data, &out, mode); err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		want := in
		want.Skip, want.low = "", 0
		if **out.PP != 7 {
			t.Errorf("%v: **int", mode)
		}
		out.PP, want.PP = nil, nil
		if !out.When.Equal(want.When) {
			t.Errorf("%v: time %v", mode, out.When)
		}
		out.When, want.When = time.Time{}, time.Time{}
		if !reflect.DeepEqual(*out, want) {
			t.Errorf("%v:\n got %+v\nwant %+v", mode, *out, want)
		}
	}
	// Maps with ordered keys are written in key order: the same bytes
	// every time.
	first, _ := graph.Marshal(&in, graph.Graph)
	for range 20 {
		if again, _ := graph.Marshal(&in, graph.Graph); !bytes.Equal(again, first) {
			t.Fatal("encoding is not repeatable")
		}
	}
}

// TestInterfacesNeedRegistration: only registered types go behind
// interfaces, both ways.
func TestInterfacesNeedRegistration(t *testing.T) {
	type secret struct{ X int }
	_, err := graph.Marshal(&struct{ V any }{secret{1}}, graph.Graph)
	if !errors.Is(err, graph.ErrUnregistered) || !strings.Contains(err.Error(), "secret") {
		t.Errorf("unregistered type: %v", err)
	}
	// The root pointer (id 1), then a nil interface: an empty name.
	b, err := graph.Marshal(&struct{ V any }{nil}, graph.Graph)
	if err != nil || !bytes.Equal(b, ints(1, 0)) {
		t.Errorf("nil interface: %x, %v", b, err)
	}
}

func TestUnsupportedTypes(t *testing.T) {
	for _, v := range []any{
		&struct{ C chan int }{},
		&struct{ F func() }{},
		&struct {
			E []struct {
				X int `graph:"-"`
			}
		}{},
	} {
		if _, err := graph.Marshal(v, graph.Graph); !errors.Is(err, graph.ErrUnsupportedType) {
			t.Errorf("%T: %v, want ErrUnsupportedType", v, err)
		}
	}
	if _, err := graph.Marshal(nil, graph.Graph); !errors.Is(err, graph.ErrUnsupportedType) {
		t.Errorf("nil: %v", err)
	}
	if _, err := graph.Marshal(1, graph.Mode(7)); err == nil {
		t.Error("unknown mode")
	}
}
