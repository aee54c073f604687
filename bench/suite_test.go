package bench

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	davecgh "github.com/davecgh/go-xdr/xdr2"
	clone "github.com/huandu/go-clone"
	"github.com/mohae/deepcopy"
	stellar "github.com/stellar/go-xdr/xdr3"

	"github.com/wirekit/wirekit/graph"
	"github.com/wirekit/wirekit/internal/xdrcorpus/benchx"
	"github.com/wirekit/wirekit/marshal"
)

// rotate starts each case of the suite at another implementation:
// whatever of the heap's settling the warm-up leaves then falls on a
// different one in each pass of bench/report, which sets it to the
// number of the pass.
var rotate = flag.Uint("rotate", 0, "BenchmarkSuite starts each case at implementation number rotate (mod their count)")

// BenchmarkSuite is the cross-format comparison: the same workloads
// through every format that can carry them and through the peer libraries
// that do the same job, named
//
//	BenchmarkSuite/workload=W/op=O/impl=I
//
// so that benchstat -col /impl puts the implementations side by side, and
// bench/report turns a run into bench/REPORT.md and bench/chart.svg.
//
// Workloads: SmallStruct (go_serialization_benchmarks' struct), Nested
// (testdata/xdr/gen/bench.x's twenty-member message with arrays, optionals
// and a union), Payload1MiB (a 1 MiB opaque behind two small members) and
// Graph (a tree of 341 structs with strings, slices and maps in which 85
// nodes are reached twice). Ops: Marshal, to a new []byte each time;
// Unmarshal, into a new value each time (BenchmarkXDR reuses one, as
// go_serialization_benchmarks does); and, for Graph, RoundTrip (Marshal
// then Unmarshal), the operation that the deep copiers do in one step.
//
// impl names starting with "wirekit" are wirekit's: wirekit-F is
// marshal.Lookup(F), wirekit-xdr-gen the code xdr/gen wrote for bench.x,
// wirekit-deepcopy graph.DeepCopy. The others are the peers: json and gob
// (the standard library), msgpack (vmihailenco/msgpack) and cbor
// (fxamacker/cbor) called directly with the options marshal uses; davecgh
// and stellar (the Go XDR libraries); goclone, goclone-slowly and mohae
// (huandu/go-clone's Clone and Slowly, mohae/deepcopy).
//
// A combination is left out where the format cannot carry the workload
// (XDR has no maps, so no Graph; davecgh/go-xdr has no unions, so its
// Nested is its own type, see davecghNested). Before timing, every
// implementation's round trip is compared with the input; one that comes
// back different still runs, but logs what it lost and reports a "lossy"
// metric of 1, which the report shows as "⚠ loses data".
// TestSuiteRoundTrips lists them.
func BenchmarkSuite(b *testing.B) {
	// How long each benchmark runs untimed first, and at least 200
	// times if that takes no more than 5*warmUp: none when -benchtime is
	// a count of iterations (CI's 1x), which measures nothing anyway.
	warmUp := 50 * time.Millisecond
	if f := flag.Lookup("test.benchtime"); f != nil && strings.HasSuffix(f.Value.String(), "x") {
		warmUp = 0
	}
	for _, w := range suiteWorkloads() {
		checked := make([]roundTrip, len(w.impls))
		for i, im := range w.impls {
			var err error
			if checked[i], err = w.roundTrip(im); err != nil {
				b.Fatalf("%s/%s: %v", w.name, im.name, err)
			}
		}
		for _, op := range w.ops {
			for k := range w.impls {
				i := (k + int(*rotate%uint(len(w.impls)))) % len(w.impls)
				im := w.impls[i]
				if im.copy != nil && op != "RoundTrip" {
					continue // a deep copier has no encoding
				}
				rt := checked[i]
				b.Run("workload="+w.name+"/op="+op+"/impl="+im.name, func(b *testing.B) {
					if rt.lost != "" {
						b.Log("loses data: " + rt.lost)
					}
					var do func() error
					switch {
					case op == "Marshal":
						do = func() error { _, err := im.marshal(im.in); return err }
					case op == "Unmarshal":
						do = func() error { return im.unmarshal(rt.data, im.newOut()) }
					case im.copy != nil:
						do = func() error {
							if im.copy(im.in) == nil {
								return errors.New("nil copy")
							}
							return nil
						}
					default:
						do = func() error {
							data, err := im.marshal(im.in)
							if err != nil {
								return err
							}
							return im.unmarshal(data, im.newOut())
						}
					}
					// Untimed first, until the heap has grown and settled
					// and the libraries' pools are full: otherwise whichever
					// implementation runs first after a smaller workload
					// pays for it (2-5x on the 1 MiB payload without a
					// warm-up; 1.3-1.4x with 50 ms, the 50 iterations of
					// json's Marshal, and none with 200).
					for n, start := 0, time.Now(); warmUp > 0; n++ {
						if t := time.Since(start); t >= warmUp && (n >= 200 || t >= 5*warmUp) {
							break
						}
						if err := do(); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportAllocs()
					for b.Loop() {
						if err := do(); err != nil {
							b.Fatal(err)
						}
					}
					if im.copy == nil {
						b.ReportMetric(float64(len(rt.data)), "bytes")
					}
					if rt.lost != "" {
						b.ReportMetric(1, "lossy")
					}
				})
			}
		}
	}
}

// TestSuiteRoundTrips reports which implementations in BenchmarkSuite
// lose data, and what (go test -run TestSuiteRoundTrips -v ./bench). It
// fails when a wirekit implementation loses any, unless it wraps a library
// that loses the same on its own (JSON cannot say that two pointers are
// one, whoever writes it); and when the XDR implementations write
// different bytes for one workload.
func TestSuiteRoundTrips(t *testing.T) {
	for _, w := range suiteWorkloads() {
		lost := map[string]string{}
		xdrBytes := map[string][]byte{}
		for _, im := range w.impls {
			rt, err := w.roundTrip(im)
			if err != nil {
				t.Errorf("%s/%s: %v", w.name, im.name, err)
				continue
			}
			if rt.lost != "" {
				lost[im.name] = rt.lost
				t.Logf("%s/%s loses data: %s", w.name, im.name, rt.lost)
			}
			switch im.name {
			case "wirekit-xdr", "wirekit-xdr-gen", "davecgh", "stellar":
				xdrBytes[im.name] = rt.data
			}
		}
		for name, what := range lost {
			lib, wraps := strings.CutPrefix(name, "wirekit-")
			if !wraps {
				continue // a peer
			}
			if lost[lib] == what {
				continue // the format's doing, not the wrapper's
			}
			t.Errorf("%s/%s: a wirekit round trip loses data: %s", w.name, name, what)
		}
		for name, data := range xdrBytes {
			if want := xdrBytes["wirekit-xdr"]; !bytes.Equal(data, want) {
				t.Errorf("%s/%s: XDR encoding differs from wirekit-xdr's (%d bytes, want %d)", w.name, name, len(data), len(want))
			}
		}
	}
}

// suiteImpl is one implementation of one workload.
type suiteImpl struct {
	name string
	// in is the value Marshal (or copy) is given, a pointer; newOut
	// returns a new value for Unmarshal to decode into.
	in        any
	newOut    func() any
	marshal   func(v any) ([]byte, error)
	unmarshal func(data []byte, v any) error
	// copy is set, instead of marshal and unmarshal, for a deep copier.
	copy func(v any) any
}

type suiteWorkload struct {
	name  string
	ops   []string
	impls []suiteImpl
	// differs says how got, a round trip's result, differs from want, or
	// returns "".
	differs func(want, got any) string
}

// roundTrip is what the check before timing found: the encoding (nil for
// a deep copier) and what the round trip lost ("" for nothing).
type roundTrip struct {
	data []byte
	lost string
}

func (w suiteWorkload) roundTrip(im suiteImpl) (roundTrip, error) {
	if im.copy != nil {
		return roundTrip{lost: w.differs(im.in, im.copy(im.in))}, nil
	}
	data, err := im.marshal(im.in)
	if err != nil {
		return roundTrip{}, fmt.Errorf("marshal: %w", err)
	}
	out := im.newOut()
	if err := im.unmarshal(data, out); err != nil {
		return roundTrip{}, fmt.Errorf("unmarshal: %w", err)
	}
	return roundTrip{data: data, lost: w.differs(im.in, out)}, nil
}

// Payload is the Payload1MiB workload; benchx.Payload is its bench.x
// twin.
type Payload struct {
	ID   uint64
	Name string
	Data []byte
}

func newPayload(r *rand.Rand) Payload {
	p := Payload{ID: r.Uint64(), Name: randString(r, 12), Data: make([]byte, 1<<20)}
	seed := [32]byte{1}
	rand.NewChaCha8(seed).Read(p.Data) // incompressible, as a real blob is
	return p
}

// newDAG is the Graph workload: newTree's tree of 341 nodes, in which
// every one of the 85 inner nodes also points at a leaf chosen at random,
// so that some leaves are reached twice. It is acyclic, so formats
// without references can write it at all (they write a shared leaf twice
// and read back two), and shared, so that what they lose shows.
func newDAG(r *rand.Rand) *TreeNode {
	root := newTree(r, 5)
	var inner, leaves []*TreeNode
	var walk func(n *TreeNode)
	walk = func(n *TreeNode) {
		if len(n.Children) == 0 {
			leaves = append(leaves, n)
			return
		}
		inner = append(inner, n)
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(root)
	for _, n := range inner {
		n.Children = append(n.Children, leaves[r.IntN(len(leaves))])
	}
	return root
}

// plainNested is the Nested message with its union as a struct of a
// discriminant and one pointer per arm (stellar/go-xdr's mapping): the
// form in which JSON, gob, MessagePack, CBOR and graph carry it, none of
// which can decode into an interface without being told the types.
type plainNested = stellarNested

func suiteWorkloads() []suiteWorkload {
	// SmallStruct and Nested come from BenchmarkXDR, with their values
	// and their XDR peers.
	xw := map[string]map[string]xdrImpl{}
	for _, w := range xdrWorkloads() {
		xw[w.name] = map[string]xdrImpl{}
		for _, im := range w.impls {
			xw[w.name][im.name] = im
		}
	}
	xdrPeers := func(workload string) []suiteImpl {
		var out []suiteImpl
		for _, name := range []string{"wirekit-gen", "davecgh", "stellar"} {
			im, ok := xw[workload][name]
			if !ok {
				panic("xdrWorkloads has no " + workload + "/" + name)
			}
			out = append(out, fromXDRImpl(im))
		}
		return out
	}
	small := xw["SmallStruct"]["wirekit"].in.(*Small)
	nested := xw["Nested"]["wirekit"].in.(*Nested)
	var plain plainNested = stellarOf(nested)

	r := rand.New(rand.NewPCG(7, 8))
	payload := newPayload(r)
	genPayload := benchx.Payload{Id: payload.ID, Name: payload.Name, Data: payload.Data}
	dag := newDAG(r)

	marshalAndUnmarshal := []string{"Marshal", "Unmarshal"}
	return []suiteWorkload{
		{
			name:    "SmallStruct",
			ops:     marshalAndUnmarshal,
			impls:   append(codecImpls(small, "json", "gob", "msgpack", "cbor", "xdr", "graph"), xdrPeers("SmallStruct")...),
			differs: differs,
		},
		{
			name: "Nested",
			ops:  marshalAndUnmarshal,
			impls: append(append(codecImpls(&plain, "json", "gob", "msgpack", "cbor", "graph"),
				codecImpls(nested, "xdr")...), xdrPeers("Nested")...),
			differs: differs,
		},
		{
			name: "Payload1MiB",
			ops:  marshalAndUnmarshal,
			impls: append(codecImpls(&payload, "json", "gob", "msgpack", "cbor", "xdr", "graph"),
				fromXDRImpl(xdrImpl{name: "wirekit-gen", in: &genPayload, newOut: func() any { return new(benchx.Payload) },
					appendTo: generatedAppend, unmarshal: generatedUnmarshal}),
				fromXDRImpl(xdrImpl{name: "davecgh", in: &payload, newOut: func() any { return new(Payload) },
					marshal: func(buf *bytes.Buffer, v any) error { _, err := davecgh.Marshal(buf, v); return err },
					decode:  func(r *bytes.Reader, v any) error { _, err := davecgh.Unmarshal(r, v); return err }}),
				fromXDRImpl(xdrImpl{name: "stellar", in: &payload, newOut: func() any { return new(Payload) },
					marshal: func(buf *bytes.Buffer, v any) error { _, err := stellar.Marshal(buf, v); return err },
					decode:  func(r *bytes.Reader, v any) error { _, err := stellar.Unmarshal(r, v); return err }}),
			),
			differs: differs,
		},
		{
			name: "Graph",
			ops:  []string{"Marshal", "Unmarshal", "RoundTrip"},
			impls: append(codecImpls(dag, "json", "gob", "msgpack", "cbor", "graph"),
				suiteImpl{name: "wirekit-deepcopy", in: dag, copy: func(v any) any { return graph.DeepCopy(v.(*TreeNode)) }},
				suiteImpl{name: "goclone", in: dag, copy: clone.Clone},
				suiteImpl{name: "goclone-slowly", in: dag, copy: clone.Slowly},
				suiteImpl{name: "mohae", in: dag, copy: deepcopy.Copy},
			),
			differs: func(want, got any) string {
				if d := differs(want, got); d != "" {
					return d
				}
				w, g := countTree(want.(*TreeNode)), countTree(derefTo(got, want).(*TreeNode))
				if w != g {
					return fmt.Sprintf("shared nodes come back as copies (%d distinct nodes in, %d out)", w, g)
				}
				return ""
			},
		},
	}
}

// codecImpls returns, for each format, wirekit's codec and, where one is
// a library wirekit wraps, that library called directly. in is a pointer;
// graph's Marshal writes it as a reference, so graph decodes into a
// pointer to a pointer.
func codecImpls(in any, formats ...string) []suiteImpl {
	t := reflect.TypeOf(in)
	var out []suiteImpl
	for _, f := range formats {
		c, ok := marshal.Lookup(f)
		if !ok {
			panic("no codec " + f)
		}
		newOut := func() any { return reflect.New(t.Elem()).Interface() }
		if f == "graph" {
			newOut = func() any { return reflect.New(t).Interface() }
		}
		out = append(out, suiteImpl{name: "wirekit-" + f, in: in, newOut: newOut, marshal: c.Marshal, unmarshal: c.Unmarshal})
		if d, ok := directCodecs[f]; ok && f != "xdr" && f != "graph" {
			out = append(out, suiteImpl{name: f, in: in, newOut: newOut, marshal: d.marshal, unmarshal: d.unmarshal})
		}
	}
	return out
}

// fromXDRImpl adapts one of BenchmarkXDR's implementations: wirekit's
// generated code, or a peer, which writes into an io.Writer and reads
// from an io.Reader. Every Marshal in the suite returns a new slice, so a
// peer writes into a new bytes.Buffer each time, as in BenchmarkXDR's
// Marshal; the reader is reused, which costs nothing but saves an
// allocation.
func fromXDRImpl(im xdrImpl) suiteImpl {
	s := suiteImpl{name: im.name, in: im.in, newOut: im.newOut}
	if im.marshal == nil {
		if im.name == "wirekit-gen" {
			s.name = "wirekit-xdr-gen"
		}
		s.marshal = func(v any) ([]byte, error) { return im.append(nil, v) }
		s.unmarshal = im.unmarshalBytes
		return s
	}
	var r bytes.Reader
	s.marshal = func(v any) ([]byte, error) {
		var buf bytes.Buffer
		err := im.marshal(&buf, v)
		return buf.Bytes(), err
	}
	s.unmarshal = func(data []byte, v any) error {
		r.Reset(data)
		return im.decode(&r, v)
	}
	return s
}

// countTree counts the distinct nodes reachable from n.
func countTree(n *TreeNode) int {
	seen := map[*TreeNode]bool{}
	var walk func(*TreeNode)
	walk = func(n *TreeNode) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(n)
	return len(seen)
}

// derefTo follows got's pointers until it has want's type (graph decodes
// into a pointer to the pointer the others decode into).
func derefTo(got, want any) any {
	v := reflect.ValueOf(got)
	for v.Type() != reflect.TypeOf(want) && v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	return v.Interface()
}

// differs compares a round trip's result with its input as the formats
// promise to keep it: a nil and an empty slice or map are alike (gob, XDR
// and graph cannot tell them apart), NaNs are equal. It returns the first
// difference, by field path, or "".
func differs(want, got any) string {
	got = derefTo(got, want)
	if reflect.TypeOf(got) != reflect.TypeOf(want) {
		return fmt.Sprintf("decoded a %T, want %T", got, want)
	}
	return differsAt("", reflect.ValueOf(want), reflect.ValueOf(got))
}

func differsAt(path string, w, g reflect.Value) string {
	at := func(format string, args ...any) string {
		if path == "" {
			path = "the value"
		}
		return path + ": " + fmt.Sprintf(format, args...)
	}
	switch w.Kind() {
	case reflect.Pointer, reflect.Interface:
		if w.IsNil() || g.IsNil() {
			if w.IsNil() != g.IsNil() {
				return at("nil %v, want nil %v", g.IsNil(), w.IsNil())
			}
			return ""
		}
		if w.Kind() == reflect.Interface && w.Elem().Type() != g.Elem().Type() {
			return at("%s, want %s", g.Elem().Type(), w.Elem().Type())
		}
		return differsAt(path, w.Elem(), g.Elem())
	case reflect.Struct:
		for i := range w.NumField() {
			if d := differsAt(path+"."+w.Type().Field(i).Name, w.Field(i), g.Field(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice, reflect.Array:
		if w.Len() != g.Len() {
			return at("%d elements, want %d", g.Len(), w.Len())
		}
		if w.Kind() == reflect.Slice && w.Type().Elem().Kind() == reflect.Uint8 {
			if !bytes.Equal(w.Bytes(), g.Bytes()) {
				return at("bytes differ")
			}
			return ""
		}
		for i := range w.Len() {
			if d := differsAt(fmt.Sprintf("%s[%d]", path, i), w.Index(i), g.Index(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Map:
		if w.Len() != g.Len() {
			return at("%d entries, want %d", g.Len(), w.Len())
		}
		for it := w.MapRange(); it.Next(); {
			gv := g.MapIndex(it.Key())
			if !gv.IsValid() {
				return at("no key %v", it.Key())
			}
			if d := differsAt(fmt.Sprintf("%s[%v]", path, it.Key()), it.Value(), gv); d != "" {
				return d
			}
		}
		return ""
	case reflect.Float32, reflect.Float64:
		if wf, gf := w.Float(), g.Float(); wf != gf && !(math.IsNaN(wf) && math.IsNaN(gf)) {
			return at("%v, want %v", gf, wf)
		}
		return ""
	case reflect.String:
		if w.String() != g.String() {
			return at("%q, want %q", g.String(), w.String())
		}
		return ""
	case reflect.Bool:
		if w.Bool() != g.Bool() {
			return at("%v, want %v", g.Bool(), w.Bool())
		}
		return ""
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if w.Int() != g.Int() {
			return at("%d, want %d", g.Int(), w.Int())
		}
		return ""
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if w.Uint() != g.Uint() {
			return at("%d, want %d", g.Uint(), w.Uint())
		}
		return ""
	}
	return at("cannot compare a %s", w.Kind())
}

// TestDiffers: the round-trip check sees what it must and forgives what
// the formats are allowed.
func TestDiffers(t *testing.T) {
	leaf := &TreeNode{Name: "leaf"}
	tests := []struct {
		name      string
		want, got any
		diff      string
	}{
		{"equal", &Small{Name: "a", Money: 1}, &Small{Name: "a", Money: 1}, ""},
		{"a field", &Small{Name: "a"}, &Small{Name: "b"}, `.Name: "b", want "a"`},
		{"nil and empty slices alike", &TreeNode{Tags: []string{}}, &TreeNode{}, ""},
		{"nil and empty maps alike", &TreeNode{}, &TreeNode{Attrs: map[string]string{}}, ""},
		{"NaN equals NaN", &Small{Money: math.NaN()}, &Small{Money: math.NaN()}, ""},
		{"through pointers", &TreeNode{Children: []*TreeNode{leaf}}, &TreeNode{Children: []*TreeNode{{Name: "leaf", ID: 1}}},
			".Children[0].ID: 1, want 0"},
		{"a map value", &TreeNode{Attrs: map[string]string{"a": "x"}}, &TreeNode{Attrs: map[string]string{"a": "y"}}, `.Attrs[a]: "y", want "x"`},
		{"bytes", &Payload{Data: []byte{1, 2}}, &Payload{Data: []byte{1, 3}}, ".Data: bytes differ"},
		{"pointer to pointer", &Small{Name: "a"}, func() any { p := &Small{Name: "a"}; return &p }(), ""},
		{"a nil pointer", &Nested{Owner: &Owner{}}, &Nested{}, ".Owner: nil true, want nil false"},
	}
	for _, tt := range tests {
		if got := differs(tt.want, tt.got); got != tt.diff {
			t.Errorf("%s: differs = %q, want %q", tt.name, got, tt.diff)
		}
	}
}
