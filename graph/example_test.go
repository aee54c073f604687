package graph_test

import (
	"encoding/binary"
	"fmt"

	"github.com/wirekit/wirekit/graph"
)

// words prints 4-byte big-endian words as numbers, as the seed writes them.
func words(b []byte) []int32 {
	var out []int32
	for i := 0; i+4 <= len(b); i += 4 {
		out = append(out, int32(binary.BigEndian.Uint32(b[i:])))
	}
	return out
}

// The seed's list 5→7→3→9 in the three modes, and with a cycle.
func ExampleMarshal() {
	type L struct {
		Val int32
		Nxt *L
	}
	head := &L{5, &L{7, &L{3, &L{9, nil}}}}
	for _, mode := range []graph.Mode{graph.Shallow, graph.Tree, graph.Graph} {
		b, _ := graph.Marshal(head, mode)
		fmt.Println(mode, words(b))
	}

	head.Nxt.Nxt.Nxt.Nxt = head // 9 points back at 5
	b, _ := graph.Marshal(head, graph.Graph)
	fmt.Println("cyclic", words(b))
	var back *L
	if err := graph.Unmarshal(b, &back, graph.Graph); err != nil {
		fmt.Println(err)
	}
	fmt.Println(back.Nxt.Nxt.Nxt.Nxt == back)
	_, err := graph.Marshal(head, graph.Tree)
	fmt.Println(err)
	// Output:
	// shallow [1 5 0]
	// tree [1 5 1 7 1 3 1 9 0]
	// graph [1 5 2 7 3 3 4 9 0]
	// cyclic [1 5 2 7 3 3 4 9 1]
	// true
	// graph: Tree mode met a graph_test.L inside itself at offset 32
}

func ExampleDeepCopy() {
	type Node struct {
		Name string
		Next *Node
	}
	a := &Node{Name: "a"}
	b := &Node{Name: "b", Next: a}
	a.Next = b // a cycle
	pair := []*Node{a, a}

	c := graph.DeepCopy(pair)
	fmt.Println(c[0] == c[1], c[0] != a, c[0].Next.Next == c[0])
	// Output: true true true
}

// Interfaces can hold only registered types; the name goes on the wire.
func ExampleRegister() {
	type Circle struct{ R float64 }
	graph.Register("circle", Circle{})

	in := []any{Circle{1.5}, nil}
	b, err := graph.Marshal(in, graph.Graph)
	if err != nil {
		fmt.Println(err)
	}
	var out []any
	err = graph.Unmarshal(b, &out, graph.Graph)
	fmt.Printf("%+v %v\n", out, err)
	// Output: [{R:1.5} <nil>] <nil>
}

func ExampleShallowCopy() {
	type Config struct {
		Name  string
		Peers []string
	}
	orig := &Config{Name: "a", Peers: []string{"x"}}
	c := graph.ShallowCopy(orig) // a new Config; its slice is shared
	c.Name = "b"
	c.Peers[0] = "y"
	fmt.Println(orig.Name, orig.Peers[0])
	// Output: a y
}
