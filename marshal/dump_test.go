package marshal_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wirekit/wirekit/marshal"
)

var update = flag.Bool("update", false, "rewrite golden files from the current output")

type dumpNode struct {
	Name  string
	Next  *dumpNode
	Peers map[string]*dumpNode
}

// dumpSample has what makes dumps unstable elsewhere: maps (random
// order), pointers (addresses), shared pointers and a cycle, slices with
// spare capacity.
func dumpSample() any {
	a := &dumpNode{Name: "a"}
	b := &dumpNode{Name: "b", Next: a}
	a.Next = b
	a.Peers = map[string]*dumpNode{"self": a, "b": b}
	scores := make([]int, 3, 100)
	return struct {
		Order  Order
		Scores []int
		Counts map[string]int
		ByID   map[int64]string
		When   time.Time
		Graph  *dumpNode
		Any    any
	}{
		Order:  sampleOrder(9),
		Scores: scores,
		Counts: map[string]int{"zeta": 26, "alpha": 1, "mu": 12, "beta": 2},
		ByID:   map[int64]string{30: "c", -1: "m", 2: "b"},
		When:   time.Date(2026, 11, 22, 10, 30, 0, 5, time.UTC),
		Graph:  a,
		Any:    []any{1.5, "x", nil},
	}
}

func TestDumpMatchesGolden(t *testing.T) {
	got := marshal.Dump(dumpSample())
	path := filepath.Join("testdata", "dump.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("Dump differs from %s (run with -update if the change is intended):\n%s", path, got)
	}
}

// Map order and addresses change from run to run and value to value; the
// dump must not.
func TestDumpIsStable(t *testing.T) {
	first := marshal.Dump(dumpSample())
	for range 20 {
		if again := marshal.Dump(dumpSample()); again != first {
			t.Fatalf("two dumps of equal values differ:\n%s\n---\n%s", first, again)
		}
	}
	if strings.Contains(first, "0x") {
		t.Errorf("the dump shows pointer addresses:\n%s", first)
	}
	if strings.Contains(first, "cap=") {
		t.Errorf("the dump shows capacities:\n%s", first)
	}
	if !strings.Contains(first, "already shown") {
		t.Errorf("the cycle is not cut:\n%s", first)
	}
}
