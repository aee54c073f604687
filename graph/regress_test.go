package graph_test

// Regression tests for bugs found in review.

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/wirekit/wirekit/graph"
	"github.com/wirekit/wirekit/internal/alloc"
)

// Maps whose keys need work but whose values are plain panicked.
func TestMapsWithPointerKeys(t *testing.T) {
	x, y := 1, 2
	for _, mode := range []graph.Mode{graph.Tree, graph.Graph} {
		b, err := graph.Marshal(map[*int]int32{&x: 10, &y: 20}, mode)
		if err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		var out map[*int]int32
		if err := graph.Unmarshal(b, &out, mode); err != nil || len(out) != 2 {
			t.Fatalf("%v: round trip: %v, %v", mode, out, err)
		}
		sum := int32(0)
		for k, v := range out {
			if int32(*k)*10 != v {
				t.Errorf("%v: key %d, value %d", mode, *k, v)
			}
			sum += v
		}
		if sum != 30 {
			t.Errorf("%v: values %v", mode, out)
		}
	}
	// Shallow mode would write every pointer key as nil: refused.
	if _, err := graph.Marshal(map[*int][]int32{&x: {1}, &y: {2}}, graph.Shallow); !errors.Is(err, graph.ErrUnsupportedType) {
		t.Errorf("Shallow map with pointer keys: %v", err)
	}
}

// A pointer to a map variable and a map header must not be confused:
// that let hostile input read a pointer as a count and a count as a
// pointer.
func TestMapVariableIsNotAMapHeader(t *testing.T) {
	type pm struct {
		P *map[string]int64
		M map[string]int64
	}
	data := append(ints(1, 2, 1, 1), 'a', 0, 0, 0)
	data = append(data, ints(0, 5, 1)...) // M refers to P's variable
	wantGraphErr(t, graph.Unmarshal(data, new(pm), graph.Graph), graph.ErrBadID, "id 1 names a variable of type map[string]int64, not a map[string]int64")
	type mp struct {
		M map[string]int64
		P *map[string]int64
	}
	data = append(ints(1, 1, 1), 'a', 0, 0, 0)
	data = append(data, ints(0, 5, 1)...) // P refers to M's header
	wantGraphErr(t, graph.Unmarshal(data, new(mp), graph.Graph), graph.ErrBadID, "id 1 names a map[string]int64, not a variable of type map[string]int64")
	// What Marshal writes for both decodes, and stays apart.
	m := map[string]int64{"a": 5}
	b, err := graph.Marshal(&pm{P: &m, M: m}, graph.Graph)
	if err != nil {
		t.Fatal(err)
	}
	var out *pm
	if err := graph.Unmarshal(b, &out, graph.Graph); err != nil || (*out.P)["a"] != 5 || out.M["a"] != 5 {
		t.Errorf("round trip: %v", err)
	}
}

type unhashable []int32

func init() { graph.Register("regress-unhashable", unhashable{}) }

func TestUnhashableInterfaceKey(t *testing.T) {
	data := append(ints(1, 1, 18), "regress-unhashable\x00\x00"...)
	data = append(data, ints(0, 7)...)
	var m map[any]int32
	wantGraphErr(t, graph.Unmarshal(data, &m, graph.Tree), graph.ErrInvalid, "cannot be a map key")
}

// Dir's slice of itself comes before its other fields.
type Dir struct {
	Subdirs []Dir
	Name    string
}

func TestRecursiveSliceFirst(t *testing.T) {
	b, err := graph.Marshal(Dir{Name: "root", Subdirs: []Dir{{Name: "a"}}}, graph.Tree)
	if err != nil {
		t.Fatal(err)
	}
	var out Dir
	if err := graph.Unmarshal(b, &out, graph.Tree); err != nil || out.Subdirs[0].Name != "a" {
		t.Errorf("%+v, %v", out, err)
	}
}

type SelfSlice struct {
	V    int32
	Kids []SelfSlice
}

// TestSliceCycles: an array inside itself is ErrCycle in every mode (it
// looped forever), and DeepCopy copies it as a cycle.
func TestSliceCycles(t *testing.T) {
	s := make([]SelfSlice, 1)
	s[0].V, s[0].Kids = 1, s
	for _, mode := range []graph.Mode{graph.Shallow, graph.Tree, graph.Graph} {
		if _, err := graph.Marshal(s, mode); !errors.Is(err, graph.ErrCycle) {
			t.Errorf("%v: %v, want ErrCycle", mode, err)
		}
	}
	c := graph.DeepCopy(s)
	if &c[0] == &s[0] || &c[0].Kids[0] != &c[0] || c[0].V != 1 {
		t.Error("DeepCopy of a slice inside itself")
	}
	// The same slice twice, without a cycle, is written twice.
	twice := [][]*L{{list(1)}, nil}
	twice[1] = twice[0]
	if _, err := graph.Marshal(twice, graph.Graph); err != nil {
		t.Errorf("a slice met twice: %v", err)
	}
}

type keyVal struct {
	S string
	P *int
}

type deepNode struct {
	Next *deepNode
	M    map[any]int
}

// TestDeepCopyKeysPastTheDepth: map keys copied past the recursion depth
// were inserted before their contents were.
func TestDeepCopyKeysPastTheDepth(t *testing.T) {
	var head *deepNode
	for range 10100 {
		m := map[any]int{}
		for j := range 4 {
			m[keyVal{S: fmt.Sprint(j)}] = j
		}
		head = &deepNode{Next: head, M: m}
	}
	out := graph.DeepCopy(head)
	for n, i := out, 0; n != nil; n, i = n.Next, i+1 {
		if len(n.M) != 4 {
			t.Fatalf("node %d: %d entries", i, len(n.M))
		}
		for k, v := range n.M {
			if k.(keyVal).S != fmt.Sprint(v) {
				t.Fatalf("node %d: %v → %d", i, k, v)
			}
		}
	}
}

func TestZeroSizeMapsAndSkippedFields(t *testing.T) {
	var m map[struct{}]struct{}
	n := alloc.PerCall(5, func() { _ = graph.Unmarshal(ints(1, 1<<24-1), &m, graph.Tree) })
	if n > 1<<20 {
		t.Errorf("a 16-million-entry map of empty structs from 8 bytes cost %d bytes", n)
	}
	// Elements much larger in memory than on the wire.
	type padded struct {
		S   string
		pad [1 << 16]byte //lint:ignore U1000 memory the encoding leaves out
	}
	data := ints(1000)
	for range 1000 {
		data = append(data, ints(0)...)
	}
	var s []padded
	wantGraphErr(t, graph.Unmarshal(data, &s, graph.Tree), graph.ErrLimit, "would allocate more than")
	if n := alloc.PerCall(3, func() { _ = graph.Unmarshal(data, &s, graph.Tree) }); n > 1<<20 {
		t.Errorf("%d bytes of input cost %d bytes", len(data), n)
	}
}

type hiddenKey struct {
	Name string
	id   int
}

// TestKeysThatEncodeAlike: Marshal refuses what Unmarshal would.
func TestKeysThatEncodeAlike(t *testing.T) {
	_, err := graph.Marshal(map[hiddenKey]int32{{"a", 1}: 1, {"a", 2}: 2}, graph.Tree)
	wantGraphErr(t, err, graph.ErrInvalid, "encode the same")
	now := time.Now()
	_, err = graph.Marshal(map[time.Time]int32{now: 1, now.Round(0): 2}, graph.Tree)
	wantGraphErr(t, err, graph.ErrInvalid, "encode the same")
}

func TestNaNKeysEncodeTheSameEveryTime(t *testing.T) {
	m := map[float64]int32{}
	for i := range 8 {
		m[math.NaN()] = int32(i)
	}
	first, err := graph.Marshal(m, graph.Tree)
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if again, _ := graph.Marshal(m, graph.Tree); !bytes.Equal(first, again) {
			t.Fatal("not repeatable")
		}
	}
	var out map[float64]int32
	if err := graph.Unmarshal(first, &out, graph.Tree); err != nil || len(out) != 8 {
		t.Errorf("%d NaN keys back, %v", len(out), err)
	}
}

func TestMaxElementsBoundsBytes(t *testing.T) {
	data := append(ints(100), make([]byte, 100)...)
	var b []byte
	wantGraphErr(t, graph.Limits{MaxElements: 10}.Unmarshal(data, &b, graph.Tree), graph.ErrLimit, "100 bytes exceed MaxElements (10)")
}

// A slice cycle must fail in a child process too (it once never returned):
// keep a bound on time for the whole of Marshal.
func TestSliceCycleEndsQuickly(t *testing.T) {
	if os.Getenv("GRAPH_SLICE_CYCLE") == "1" {
		s := make([]SelfSlice, 1)
		s[0].Kids = s
		_, err := graph.Marshal(s, graph.Graph)
		fmt.Println(err)
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSliceCycleEndsQuickly$")
	cmd.Env = append(os.Environ(), "GRAPH_SLICE_CYCLE=1")
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("child: %v", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Error("Marshal of a slice cycle did not return")
	}
}
