package graph_test

import (
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirekit/wirekit/graph"
)

// L is the seed's list node: struct L { int val; L *nxt; }.
type L struct {
	Val int32
	Nxt *L
}

// list builds vals as a linked list and returns its head.
func list(vals ...int32) *L {
	var head *L
	for i := len(vals) - 1; i >= 0; i-- {
		head = &L{vals[i], head}
	}
	return head
}

type shapes struct {
	A, B   *L
	M1, M2 map[string]*L
	S      []int64
	Names  []string
	hidden string
	Any    any
	Arr    [2]*L
	Ptrs   []*L
	When   time.Time
	Fn     func() int
	Ch     chan int
	Type   reflect.Type
	Nested struct {
		X    *L
		Tags map[string][]string
	}
}

func TestDeepCopyKeepsShape(t *testing.T) {
	shared := list(1, 2)
	m := map[string]*L{"x": shared}
	in := &shapes{
		A: shared, B: shared, M1: m, M2: m,
		S: make([]int64, 2, 5), Names: []string{"a", "b"}, hidden: "secret",
		Any: shared, Arr: [2]*L{shared, nil}, Ptrs: []*L{shared, shared.Nxt},
		When: time.Date(2026, 11, 22, 8, 0, 0, 0, time.FixedZone("X", 3600)),
		Fn:   func() int { return 42 }, Ch: make(chan int, 3), Type: reflect.TypeFor[L](),
	}
	in.S[1] = 7
	in.Nested.X = shared.Nxt
	in.Nested.Tags = map[string][]string{"k": {"v1", "v2"}}

	out := graph.DeepCopy(in)
	if out == in || !reflect.DeepEqual(out.S, in.S) || out.hidden != "secret" || out.When != in.When ||
		out.Fn() != 42 || out.Type != in.Type || !reflect.DeepEqual(out.Nested.Tags, in.Nested.Tags) {
		t.Fatalf("copy differs: %+v", out)
	}
	// Aliasing survives, and nothing is shared with the original.
	checks := []struct {
		name string
		ok   bool
	}{
		{"two pointers to one object stay one object", out.A == out.B},
		{"the object is new", out.A != shared},
		{"a map reachable twice is one map", reflect.ValueOf(out.M1).UnsafePointer() == reflect.ValueOf(out.M2).UnsafePointer()},
		{"the map is new", reflect.ValueOf(out.M1).UnsafePointer() != reflect.ValueOf(m).UnsafePointer()},
		{"map values are the same copies", out.M1["x"] == out.A},
		{"interfaces hold the same copy", out.Any.(*L) == out.A},
		{"arrays hold the same copy", out.Arr[0] == out.A},
		{"slices hold the same copies", out.Ptrs[0] == out.A && out.Ptrs[1] == out.A.Nxt},
		{"nested pointers are the same copies", out.Nested.X == out.A.Nxt},
		{"capacity is kept", cap(out.S) == 5 && len(out.S) == 2},
		{"the slice array is new", &out.S[0] != &in.S[0]},
		{"strings of slices are copied", &out.Names[0] != &in.Names[0]},
		{"channels are shared", out.Ch == in.Ch},
		{"nested slices are new", &out.Nested.Tags["k"][0] != &in.Nested.Tags["k"][0]},
	}
	for _, c := range checks {
		if !c.ok {
			t.Error(c.name)
		}
	}
	out.A.Val = 100
	out.S[0] = 9
	out.Nested.Tags["k"][0] = "changed"
	if shared.Val != 1 || in.S[0] != 0 || in.Nested.Tags["k"][0] != "v1" {
		t.Error("changing the copy changed the original")
	}
}

func TestDeepCopyCycles(t *testing.T) {
	head := list(5, 7, 3, 9)
	head.Nxt.Nxt.Nxt.Nxt = head
	c := graph.DeepCopy(head)
	if c == head || c.Nxt.Nxt.Nxt.Nxt != c || c.Nxt.Nxt.Nxt.Val != 9 {
		t.Error("cyclic list not copied as a cycle")
	}
	self := &L{Val: 1}
	self.Nxt = self
	if s := graph.DeepCopy(self); s.Nxt != s || s == self {
		t.Error("self-loop")
	}
	// Maps holding pointers to each other, through an interface.
	type holder struct{ M map[string]any }
	a := &holder{M: map[string]any{}}
	b := &holder{M: map[string]any{}}
	a.M["b"], b.M["a"], a.M["self"] = b, a, a
	ca := graph.DeepCopy(a)
	cb := ca.M["b"].(*holder)
	if ca == a || cb.M["a"].(*holder) != ca || ca.M["self"].(*holder) != ca {
		t.Error("maps holding pointers to each other")
	}
	// An interface holding a cyclic value.
	var x any = head
	cx := graph.DeepCopy(x).(*L)
	if cx == head || cx.Nxt.Nxt.Nxt.Nxt != cx {
		t.Error("interface holding a cycle")
	}
}

// TestDeepCopyLongList: a million nodes, copied without overflowing the
// stack (copying past a depth continues from a work list).
func TestDeepCopyLongList(t *testing.T) {
	var head *L
	for i := range 1_000_000 {
		head = &L{int32(i), head}
	}
	c := graph.DeepCopy(head)
	n := 0
	for p, q := c, head; p != nil; p, q = p.Nxt, q.Nxt {
		if p == q || p.Val != q.Val {
			t.Fatalf("node %d differs", n)
		}
		n++
	}
	if n != 1_000_000 {
		t.Errorf("%d nodes", n)
	}
	// Deep nesting through slices and maps too.
	type tree struct {
		Kids []tree
		M    map[int]*L
	}
	var deep tree
	cur := &deep
	for i := range 50_000 {
		cur.Kids = []tree{{}}
		cur.M = map[int]*L{0: {Val: int32(i)}}
		cur = &cur.Kids[0]
	}
	cd := graph.DeepCopy(&deep)
	depth := 0
	for p := cd; len(p.Kids) > 0; p = &p.Kids[0] {
		if p.M[0] == nil || p.M[0].Val != int32(depth) {
			t.Fatalf("level %d lost its map", depth)
		}
		depth++
	}
	if depth != 50_000 {
		t.Errorf("depth %d", depth)
	}
}

type locked struct {
	mu      sync.Mutex
	rw      sync.RWMutex
	wg      sync.WaitGroup
	once    sync.Once
	counter atomic.Int64
	flag    atomic.Bool
	n       int
}

func TestDeepCopySyncTypes(t *testing.T) {
	in := &locked{n: 3}
	in.mu.Lock()
	in.rw.RLock()
	in.wg.Add(1)
	in.once.Do(func() {})
	in.counter.Store(42)
	in.flag.Store(true)
	out := graph.DeepCopy(in)
	if !out.mu.TryLock() || !out.rw.TryLock() {
		t.Error("locks of the copy are held")
	}
	out.wg.Wait() // zero: returns at once
	ran := false
	out.once.Do(func() { ran = true })
	if ran {
		t.Error("sync.Once ran again in the copy")
	}
	if out.counter.Load() != 42 || !out.flag.Load() || out.n != 3 {
		t.Error("atomic values or plain fields not copied")
	}
}

func TestDeepCopyPlainValues(t *testing.T) {
	type plain struct {
		A int
		B [3]float64
		S string
	}
	in := plain{1, [3]float64{1, 2, 3}, "x"}
	if out := graph.DeepCopy(in); out != in {
		t.Error("plain struct")
	}
	if out := graph.DeepCopy([]plain{in, in}); len(out) != 2 || out[1] != in {
		t.Error("slice of plain structs")
	}
	if graph.DeepCopy[*L](nil) != nil || graph.DeepCopy[[]int](nil) != nil || graph.DeepCopy[map[int]int](nil) != nil {
		t.Error("nil stays nil")
	}
	var empty any
	if graph.DeepCopy(empty) != nil {
		t.Error("nil interface")
	}
	zeroCap := make([]*L, 0)
	if out := graph.DeepCopy(zeroCap); out == nil || len(out) != 0 {
		t.Error("an empty, non-nil slice stays empty and non-nil")
	}
}

func TestShallowCopy(t *testing.T) {
	shared := &L{Val: 1}
	type s struct {
		P *L
		N int
	}
	v := s{shared, 2}
	if out := graph.ShallowCopy(v); out != v {
		t.Error("struct")
	}
	p := &s{shared, 2}
	if out := graph.ShallowCopy(p); out == p || *out != *p || out.P != shared {
		t.Error("pointer: a new object with the same contents, pointers shared")
	}
	sl := make([]*L, 1, 4)
	sl[0] = shared
	if out := graph.ShallowCopy(sl); &out[0] == &sl[0] || out[0] != shared || cap(out) != 4 {
		t.Error("slice")
	}
	m := map[string]*L{"a": shared}
	if out := graph.ShallowCopy(m); reflect.ValueOf(out).UnsafePointer() == reflect.ValueOf(m).UnsafePointer() || out["a"] != shared {
		t.Error("map")
	}
	var i any = p
	if out := graph.ShallowCopy(i).(*s); out == p || out.P != shared {
		t.Error("interface holding a pointer")
	}
	if graph.ShallowCopy[*s](nil) != nil {
		t.Error("nil")
	}
}
