package bench

import (
	"bytes"
	"encoding/gob"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"

	clone "github.com/huandu/go-clone"
	"github.com/mohae/deepcopy"

	"github.com/wirekit/wirekit/graph"
)

// TreeNode is the acyclic workload: a tree of structs with strings,
// slices and maps, 4 levels deep with 4 children each (341 nodes).
type TreeNode struct {
	Name     string
	ID       int64
	Score    float64
	Tags     []string
	Attrs    map[string]string
	Values   []int32
	Children []*TreeNode
}

func newTree(r *rand.Rand, depth int) *TreeNode {
	n := &TreeNode{
		Name:   randString(r, 12),
		ID:     r.Int64(),
		Score:  r.Float64(),
		Tags:   []string{randString(r, 4), randString(r, 6), randString(r, 5)},
		Attrs:  map[string]string{"a": randString(r, 8), "b": randString(r, 8), "c": randString(r, 8)},
		Values: make([]int32, 8),
	}
	for i := range n.Values {
		n.Values[i] = r.Int32()
	}
	if depth > 1 {
		for range 4 {
			n.Children = append(n.Children, newTree(r, depth-1))
		}
	}
	return n
}

// GNode is the cyclic workload: 500 nodes, each with 4 edges to random
// nodes, so the graph is full of cycles and shared nodes.
type GNode struct {
	ID    int64
	Name  string
	Edges []*GNode
}

func newCyclic(r *rand.Rand) *GNode {
	nodes := make([]*GNode, 500)
	for i := range nodes {
		nodes[i] = &GNode{ID: int64(i), Name: randString(r, 8)}
	}
	for _, n := range nodes {
		for range 4 {
			n.Edges = append(n.Edges, nodes[r.IntN(len(nodes))])
		}
	}
	return nodes[0]
}

func countGraph(root *GNode) int {
	seen := map[*GNode]bool{}
	var walk func(*GNode)
	walk = func(n *GNode) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, e := range n.Edges {
			walk(e)
		}
	}
	walk(root)
	return len(seen)
}

type copyImpl struct {
	name string
	copy func(any) any
}

func BenchmarkDeepCopy(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	tree, cyclic := newTree(r, 5), newCyclic(r)
	workloads := []struct {
		name  string
		in    any
		impls []copyImpl
	}{
		{"tree", tree, []copyImpl{
			{"wirekit", func(v any) any { return graph.DeepCopy(v.(*TreeNode)) }},
			{"goclone", clone.Clone},
			{"goclone-slowly", clone.Slowly},
			{"mohae", deepcopy.Copy},
		}},
		// mohae/deepcopy and go-clone's Clone recurse forever on cycles.
		{"cyclic", cyclic, []copyImpl{
			{"wirekit", func(v any) any { return graph.DeepCopy(v.(*GNode)) }},
			{"goclone-slowly", clone.Slowly},
		}},
	}
	for _, w := range workloads {
		for _, im := range w.impls {
			b.Run("workload="+w.name+"/impl="+im.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if im.copy(w.in) == nil {
						b.Fatal("nil copy")
					}
				}
			})
		}
	}
}

// TestDeepCopyPeersAgree: every implementation benchmarked makes an equal
// copy, and the cycle-safe ones keep the graph's shape.
func TestDeepCopyPeersAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tree, cyclic := newTree(r, 4), newCyclic(r)
	for name, cp := range map[string]func(any) any{
		"wirekit": func(v any) any { return graph.DeepCopy(v.(*TreeNode)) },
		"goclone": clone.Clone, "goclone-slowly": clone.Slowly, "mohae": deepcopy.Copy,
	} {
		if out := cp(tree).(*TreeNode); out == tree || !reflect.DeepEqual(out, tree) {
			t.Errorf("%s: tree copy differs", name)
		}
	}
	for name, cp := range map[string]func(any) any{
		"wirekit":        func(v any) any { return graph.DeepCopy(v.(*GNode)) },
		"goclone-slowly": clone.Slowly,
	} {
		out := cp(cyclic).(*GNode)
		if out == cyclic || countGraph(out) != countGraph(cyclic) {
			t.Errorf("%s: cyclic copy has %d nodes, want %d", name, countGraph(out), countGraph(cyclic))
		}
	}
}

func BenchmarkGraphSerialize(b *testing.B) {
	tree := newTree(rand.New(rand.NewPCG(5, 6)), 5)
	for _, mode := range []graph.Mode{graph.Graph, graph.Tree} {
		b.Run("workload=tree/impl=wirekit-"+mode.String(), func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				data, err := graph.Marshal(tree, mode)
				if err != nil {
					b.Fatal(err)
				}
				var out *TreeNode
				if err := graph.Unmarshal(data, &out, mode); err != nil {
					b.Fatal(err)
				}
				size = len(data)
			}
			b.ReportMetric(float64(size), "bytes")
		})
	}
	// gob for one value at a time, as Marshal and Unmarshal work: each
	// message carries its type descriptions.
	b.Run("workload=tree/impl=gob", func(b *testing.B) {
		b.ReportAllocs()
		var size int
		for b.Loop() {
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(tree); err != nil {
				b.Fatal(err)
			}
			size = buf.Len()
			var out *TreeNode
			if err := gob.NewDecoder(&buf).Decode(&out); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(size), "bytes")
	})
	// gob on a long-lived stream, where type descriptions are sent once:
	// gob at its best, for reference.
	b.Run("workload=tree/impl=gob-stream", func(b *testing.B) {
		var buf bytes.Buffer
		enc, dec := gob.NewEncoder(&buf), gob.NewDecoder(&buf)
		b.ReportAllocs()
		for b.Loop() {
			if err := enc.Encode(tree); err != nil {
				b.Fatal(err)
			}
			var out *TreeNode
			if err := dec.Decode(&out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestGraphSerializePeersAgree: graph and gob give back the same tree.
func TestGraphSerializePeersAgree(t *testing.T) {
	tree := newTree(rand.New(rand.NewPCG(5, 6)), 3)
	data, err := graph.Marshal(tree, graph.Graph)
	if err != nil {
		t.Fatal(err)
	}
	var ours, theirs *TreeNode
	if err := graph.Unmarshal(data, &ours, graph.Graph); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	gob.NewEncoder(&buf).Encode(tree)
	gob.NewDecoder(&buf).Decode(&theirs)
	if !reflect.DeepEqual(ours, tree) || !reflect.DeepEqual(theirs, tree) {
		t.Error("a round trip changed the tree")
	}
	_ = strconv.Itoa
}
