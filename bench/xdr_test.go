package bench

import (
	"bytes"
	"encoding"
	"math/rand/v2"
	"reflect"
	"testing"

	davecgh "github.com/davecgh/go-xdr/xdr2"
	stellar "github.com/stellar/go-xdr/xdr3"

	"github.com/wirekit/wirekit/internal/xdrcorpus/benchref"
	"github.com/wirekit/wirekit/internal/xdrcorpus/benchx"
	"github.com/wirekit/wirekit/xdr"
)

// wirekit's Go mapping of bench.x's messages, which every implementation
// here encodes (Small) or mirrors (Nested).
type (
	Small     = benchref.Small
	Nested    = benchref.Nested
	Kind      = benchref.Kind
	Owner     = benchref.Owner
	Child     = benchref.Child
	Body      = benchref.Body
	BodyEmpty = benchref.BodyEmpty
	BodyText  = benchref.BodyText
	BodyPoint = benchref.BodyPoint
)

// stellarNested is the same message in stellar/go-xdr's mapping: unions are
// structs with a switch field and pointer arms.
type stellarNested struct {
	ID       uint64
	Version  int32
	Kind     Kind
	Name     string   `xdrmaxsize:"64"`
	Tags     []string `xdrmaxsize:"16"`
	Checksum [32]byte
	Payload  []byte `xdrmaxsize:"4096"`
	Scores   [4]float64
	Samples  []int32 `xdrmaxsize:"256"`
	Owner    *Owner
	Parent   *Owner
	Body     stellarBody
	Created  int64
	Modified int64
	Flags    uint32
	Priority int32
	Ratio    float32
	Active   bool
	Deleted  bool
	Children []Child `xdrmaxsize:"64"`
}

type stellarBody struct {
	Type  int32
	Text  *BodyText
	Point *BodyPoint
}

func (stellarBody) SwitchFieldName() string { return "Type" }

func (stellarBody) ArmForSwitch(sw int32) (string, bool) {
	switch sw {
	case 0:
		return "", true
	case 1:
		return "Text", true
	case 2:
		return "Point", true
	}
	return "-", false
}

// davecghNested is the same message for davecgh/go-xdr, which has neither
// unions nor optional-data: optional-data becomes an array of at most one
// element (the same bytes, as RFC 4506 §4.19 notes) and the union, whose arm
// is fixed in this workload, a struct of discriminant and arm.
type davecghNested struct {
	ID       uint64
	Version  int32
	Kind     Kind
	Name     string
	Tags     []string
	Checksum [32]byte
	Payload  []byte
	Scores   [4]float64
	Samples  []int32
	Owner    []Owner
	Parent   []Owner
	Body     struct {
		Type  int32
		Point BodyPoint
	}
	Created  int64
	Modified int64
	Flags    uint32
	Priority int32
	Ratio    float32
	Active   bool
	Deleted  bool
	Children []Child
}

func newSmall(r *rand.Rand) Small {
	return Small{
		Name:     randString(r, 16),
		BirthDay: r.Int64(),
		Phone:    randString(r, 10),
		Siblings: r.Int32N(5),
		Spouse:   r.IntN(2) == 1,
		Money:    r.Float64(),
	}
}

func randString(r *rand.Rand, n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	return string(b)
}

func newNested(r *rand.Rand) Nested {
	n := Nested{
		ID:       r.Uint64(),
		Version:  3,
		Kind:     2,
		Name:     randString(r, 24),
		Tags:     []string{randString(r, 5), randString(r, 7), randString(r, 3)},
		Payload:  make([]byte, 64),
		Samples:  make([]int32, 16),
		Owner:    &Owner{Name: randString(r, 8), UID: 1000, GID: 100},
		Body:     &BodyPoint{X: r.Float64(), Y: r.Float64(), Z: r.Float64()},
		Created:  r.Int64(),
		Modified: r.Int64(),
		Flags:    r.Uint32(),
		Priority: -2,
		Ratio:    0.5,
		Active:   true,
	}
	for i := range n.Checksum {
		n.Checksum[i] = byte(r.Uint32())
	}
	for i := range n.Payload {
		n.Payload[i] = byte(r.Uint32())
	}
	for i := range n.Scores {
		n.Scores[i] = r.Float64()
	}
	for i := range n.Samples {
		n.Samples[i] = r.Int32()
	}
	for i := range 4 {
		n.Children = append(n.Children, Child{ID: uint32(i), Label: randString(r, 6)})
	}
	return n
}

// stellarOf is n in stellar/go-xdr's mapping.
func stellarOf(n *Nested) stellarNested {
	s := stellarNested{
		ID: n.ID, Version: n.Version, Kind: n.Kind, Name: n.Name, Tags: n.Tags,
		Checksum: n.Checksum, Payload: n.Payload, Scores: n.Scores, Samples: n.Samples,
		Owner: n.Owner, Parent: n.Parent, Created: n.Created, Modified: n.Modified,
		Flags: n.Flags, Priority: n.Priority, Ratio: n.Ratio, Active: n.Active,
		Deleted: n.Deleted, Children: n.Children,
	}
	s.Body.Type, s.Body.Point = 2, n.Body.(*BodyPoint)
	return s
}

// davecghOf is n in davecgh/go-xdr's mapping.
func davecghOf(n *Nested) davecghNested {
	d := davecghNested{
		ID: n.ID, Version: n.Version, Kind: n.Kind, Name: n.Name, Tags: n.Tags,
		Checksum: n.Checksum, Payload: n.Payload, Scores: n.Scores, Samples: n.Samples,
		Owner: []Owner{*n.Owner}, Created: n.Created, Modified: n.Modified,
		Flags: n.Flags, Priority: n.Priority, Ratio: n.Ratio, Active: n.Active,
		Deleted: n.Deleted, Children: n.Children,
	}
	d.Body.Type, d.Body.Point = 2, *n.Body.(*BodyPoint)
	return d
}

// xdrImpl is one implementation under test: how it encodes and decodes one
// workload. in is the value to encode, newOut makes a value to decode into.
// The peers marshal to a bytes.Buffer and decode from a reader; wirekit's
// reflection codec and its generated code (marshal nil) append to a slice
// and unmarshal one from bytes.
type xdrImpl struct {
	name    string
	marshal func(buf *bytes.Buffer, v any) error
	decode  func(r *bytes.Reader, v any) error
	in      any
	newOut  func() any
	// For wirekit: the entry points, xdr.MarshalAppend and xdr.Unmarshal
	// by default.
	appendTo  func(dst []byte, v any) ([]byte, error)
	unmarshal func(data []byte, v any) error
}

// generated calls the methods xdr/gen writes, which use no reflection.
var (
	generatedAppend = func(dst []byte, v any) ([]byte, error) {
		if dst == nil {
			return v.(encoding.BinaryMarshaler).MarshalBinary()
		}
		return v.(encoding.BinaryAppender).AppendBinary(dst)
	}
	generatedUnmarshal = func(data []byte, v any) error {
		return v.(encoding.BinaryUnmarshaler).UnmarshalBinary(data)
	}
)

// append appends v's encoding to dst, or, for a nil dst, returns it in a
// new slice (xdr.Marshal, MarshalBinary).
func (im xdrImpl) append(dst []byte, v any) ([]byte, error) {
	switch {
	case im.appendTo != nil:
		return im.appendTo(dst, v)
	case dst == nil:
		return xdr.Marshal(v)
	}
	return xdr.MarshalAppend(dst, v)
}

func (im xdrImpl) unmarshalBytes(data []byte, v any) error {
	if im.unmarshal != nil {
		return im.unmarshal(data, v)
	}
	return xdr.Unmarshal(data, v)
}

// unmarshaler returns im decoding into out, one call per value: what
// varies by implementation is settled here, once, so that a benchmark's
// loop times the decoder rather than the harness.
func (im xdrImpl) unmarshaler(out any) func(data []byte) error {
	switch {
	case im.decode != nil:
		r := new(bytes.Reader)
		return func(data []byte) error {
			r.Reset(data)
			return im.decode(r, out)
		}
	case im.unmarshal != nil:
		if u, ok := out.(encoding.BinaryUnmarshaler); ok {
			return u.UnmarshalBinary // what generatedUnmarshal calls
		}
		return func(data []byte) error { return im.unmarshal(data, out) }
	}
	return func(data []byte) error { return xdr.Unmarshal(data, out) }
}

type xdrWorkload struct {
	name  string
	impls []xdrImpl
}

func xdrWorkloads() []xdrWorkload {
	r := rand.New(rand.NewPCG(1, 2))
	small := newSmall(r)
	nested := newNested(r)
	st, dv, gn := stellarOf(&nested), davecghOf(&nested), generatedOf(&nested)
	gs := benchx.Small{Name: small.Name, BirthDay: small.BirthDay, Phone: small.Phone,
		Siblings: small.Siblings, Spouse: small.Spouse, Money: small.Money}
	stellarMarshal := func(buf *bytes.Buffer, v any) error { _, err := stellar.Marshal(buf, v); return err }
	stellarDecode := func(r *bytes.Reader, v any) error { _, err := stellar.Unmarshal(r, v); return err }
	davecghMarshal := func(buf *bytes.Buffer, v any) error { _, err := davecgh.Marshal(buf, v); return err }
	davecghDecode := func(r *bytes.Reader, v any) error { _, err := davecgh.Unmarshal(r, v); return err }
	return []xdrWorkload{
		{"SmallStruct", []xdrImpl{
			{"wirekit", nil, nil, &small, func() any { return new(Small) }, nil, nil},
			{"wirekit-gen", nil, nil, &gs, func() any { return new(benchx.Small) }, generatedAppend, generatedUnmarshal},
			{"davecgh", davecghMarshal, davecghDecode, &small, func() any { return new(Small) }, nil, nil},
			{"stellar", stellarMarshal, stellarDecode, &small, func() any { return new(Small) }, nil, nil},
		}},
		{"Nested", []xdrImpl{
			{"wirekit", nil, nil, &nested, func() any { return new(Nested) }, nil, nil},
			{"wirekit-gen", nil, nil, &gn, func() any { return new(benchx.Nested) }, generatedAppend, generatedUnmarshal},
			{"davecgh", davecghMarshal, davecghDecode, &dv, func() any { return new(davecghNested) }, nil, nil},
			{"stellar", stellarMarshal, stellarDecode, &st, func() any { return new(stellarNested) }, nil, nil},
		}},
	}
}

// generatedOf is n as the types xdr/gen writes for bench.x.
func generatedOf(n *Nested) benchx.Nested {
	g := benchx.Nested{Id: n.ID, Revision: n.Version, Kind: benchx.Kind(n.Kind), Name: n.Name,
		Checksum: n.Checksum, Payload: n.Payload, Scores: n.Scores, Samples: n.Samples,
		Created: n.Created, Modified: n.Modified, Flags: n.Flags, Priority: n.Priority,
		Ratio: n.Ratio, Active: n.Active, Deleted: n.Deleted}
	for _, t := range n.Tags {
		g.Tags = append(g.Tags, benchx.Line(t))
	}
	owner := func(o *Owner) *benchx.Owner {
		if o == nil {
			return nil
		}
		return &benchx.Owner{Name: o.Name, Uid: o.UID, Gid: o.GID}
	}
	g.Owner, g.Parent = owner(n.Owner), owner(n.Parent)
	switch b := n.Body.(type) {
	case *BodyEmpty:
		g.Body = &benchx.BodyCase0{}
	case *BodyText:
		t := &benchx.BodyLines{}
		for _, l := range b.Lines {
			t.Lines = append(t.Lines, benchx.Line(l))
		}
		g.Body = t
	case *BodyPoint:
		g.Body = &benchx.BodyP{P: benchx.Point{X: b.X, Y: b.Y, Z: b.Z}}
	}
	for _, c := range n.Children {
		g.Children = append(g.Children, benchx.Child{Id: c.ID, Label: c.Label})
	}
	return g
}

// encodeWith returns an implementation's encoding of its input.
func encodeWith(im xdrImpl) ([]byte, error) {
	if im.marshal == nil {
		return im.append(nil, im.in)
	}
	var buf bytes.Buffer
	err := im.marshal(&buf, im.in)
	return buf.Bytes(), err
}

// TestXDRPeersAgree checks that the benchmarks compare like with like:
// every implementation writes the same bytes for a workload and reads them
// back to the value it started from.
func TestXDRPeersAgree(t *testing.T) {
	for _, w := range xdrWorkloads() {
		want, err := encodeWith(w.impls[0])
		if err != nil {
			t.Fatalf("%s: wirekit: %v", w.name, err)
		}
		for _, im := range w.impls {
			got, err := encodeWith(im)
			if err != nil {
				t.Fatalf("%s/%s: marshal: %v", w.name, im.name, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s/%s: encoding differs from wirekit's:\n got %x\nwant %x", w.name, im.name, got, want)
			}
			out := im.newOut()
			if im.decode == nil {
				err = im.unmarshalBytes(got, out)
			} else {
				err = im.decode(bytes.NewReader(got), out)
			}
			if err != nil {
				t.Fatalf("%s/%s: unmarshal: %v", w.name, im.name, err)
			}
			if !reflect.DeepEqual(out, im.in) {
				t.Errorf("%s/%s: round trip changed the value:\n got %+v\nwant %+v", w.name, im.name, out, im.in)
			}
		}
	}
}

func BenchmarkXDR(b *testing.B) {
	for _, w := range xdrWorkloads() {
		data, err := encodeWith(w.impls[0])
		if err != nil {
			b.Fatal(err)
		}
		for _, im := range w.impls {
			// Marshal: a fresh encoding the caller owns. The peers write
			// into a new bytes.Buffer, as their documentation shows, which
			// grows as they write; wirekit returns a new slice (xdr.Marshal,
			// MarshalBinary) of the size of its last encoding of the type,
			// which here, encoding one value over and over, is exact.
			b.Run(w.name+"/op=Marshal/impl="+im.name, func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				if im.marshal == nil {
					for b.Loop() {
						if _, err := im.append(nil, im.in); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				for b.Loop() {
					var buf bytes.Buffer
					if err := im.marshal(&buf, im.in); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(w.name+"/op=Unmarshal/impl="+im.name, func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				// As in go_serialization_benchmarks, every implementation
				// decodes into one value, reused across iterations.
				unmarshal := im.unmarshaler(im.newOut())
				for b.Loop() {
					if err := unmarshal(data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		// MarshalAppend: encoding into a buffer reused across
		// iterations, so that no implementation allocates its output.
		// The peers write into a bytes.Buffer they Reset; wirekit appends
		// to a slice (xdr.MarshalAppend, AppendBinary).
		for _, im := range w.impls {
			b.Run(w.name+"/op=MarshalAppend/impl="+im.name, func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				if im.marshal != nil {
					var buf bytes.Buffer
					for b.Loop() {
						buf.Reset()
						if err := im.marshal(&buf, im.in); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				buf := make([]byte, 0, 2*len(data))
				for b.Loop() {
					var err error
					if buf, err = im.append(buf[:0], im.in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
