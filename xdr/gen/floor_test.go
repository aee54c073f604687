package gen_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/internal/xdrcorpus/benchx"
)

// How close generated code comes to the least a decoder of bench.x's
// messages can cost, measured against two floors:
//
//   - handwritten: a decoder written by hand for the one message (its
//     union holds a point), checking only lengths and bounds (no padding,
//     enum or bool checks, no depth, no error positions), with the same
//     allocations as the generated one;
//   - allocations: no decoding at all, only the fresh strings, slices and
//     pointers a decoded value needs (Unmarshal) or the output slice
//     (Marshal), which the Unmarshal and Marshal contracts require.
//
//	go test -run '^$' -bench GeneratedFloor -benchmem -count 10 ./xdr/gen
//
// The messages have the shapes of bench/xdr_test.go's: the same lengths
// of every string, opaque and array, so the same allocations.

// floorNested is bench/xdr_test.go's Nested (newNested) in shape; a change
// to one must be made to the other, or the floor and BenchmarkXDR measure
// different messages.
func floorNested() *benchx.Nested {
	n := &benchx.Nested{Id: 1 << 50, Revision: 3, Kind: benchx.KIND_DIR, Name: strings.Repeat("n", 24),
		Tags: []benchx.Line{"aaaaa", "bbbbbbb", "ccc"}, Payload: bytes.Repeat([]byte{0xa5}, 64),
		Scores: [4]float64{0.5, -1, 2, 3}, Samples: make([]int32, 16),
		Owner: &benchx.Owner{Name: "ownerxyz", Uid: 1000, Gid: 100},
		Body:  &benchx.BodyP{P: benchx.Point{X: 1, Y: 2, Z: 3}}, Created: 1, Modified: -1,
		Flags: 0xf0, Priority: -2, Ratio: 0.5, Active: true}
	for i := range n.Samples {
		n.Samples[i] = int32(i) * -7
	}
	for i := range 4 {
		n.Children = append(n.Children, benchx.Child{Id: uint32(i), Label: strings.Repeat("l", 6)})
	}
	return n
}

var errFloor = errors.New("bad input")

// floorReader is the whole of handwrittenNested's input handling.
type floorReader struct {
	p   []byte
	off int
}

func (r *floorReader) uint32() (uint32, bool) {
	if len(r.p)-r.off < 4 {
		return 0, false
	}
	v := binary.BigEndian.Uint32(r.p[r.off:])
	r.off += 4
	return v, true
}

// fixed returns the next n bytes.
func (r *floorReader) fixed(n uint64) ([]byte, bool) {
	if uint64(len(r.p)-r.off) < n {
		return nil, false
	}
	b := r.p[r.off : r.off+int(n)]
	r.off += int(n)
	return b, true
}

// opaque returns the contents of a variable-length opaque or string of at
// most bound bytes and skips its padding.
func (r *floorReader) opaque(bound uint32) ([]byte, bool) {
	n, ok := r.uint32()
	if !ok || n > bound {
		return nil, false
	}
	b, ok := r.fixed((uint64(n) + 3) &^ 3)
	if !ok {
		return nil, false
	}
	return b[:n:n], true
}

func (r *floorReader) string(bound uint32) (string, bool) {
	b, ok := r.opaque(bound)
	return string(b), ok
}

// handwrittenNested decodes a Nested whose body is a point.
func handwrittenNested(data []byte, v *benchx.Nested) error {
	r := floorReader{p: data}
	b, ok := r.fixed(16)
	if !ok {
		return errFloor
	}
	v.Id = binary.BigEndian.Uint64(b)
	v.Revision = int32(binary.BigEndian.Uint32(b[8:]))
	v.Kind = benchx.Kind(binary.BigEndian.Uint32(b[12:]))
	if v.Name, ok = r.string(64); !ok {
		return errFloor
	}
	n, ok := r.uint32()
	if !ok || n > 16 || int(n)*4 > len(r.p)-r.off {
		return errFloor
	}
	var tags []benchx.Line // nil when empty, as the xdr package decodes it
	if n > 0 {
		tags = make([]benchx.Line, n)
	}
	for i := range tags {
		s, ok := r.string(math.MaxUint32)
		if !ok {
			return errFloor
		}
		tags[i] = benchx.Line(s)
	}
	v.Tags = tags
	if b, ok = r.fixed(32); !ok {
		return errFloor
	}
	copy(v.Checksum[:], b)
	if b, ok = r.opaque(4096); !ok {
		return errFloor
	}
	v.Payload = nil
	if len(b) > 0 {
		v.Payload = bytes.Clone(b)
	}
	if b, ok = r.fixed(32); !ok {
		return errFloor
	}
	for i := range v.Scores {
		v.Scores[i] = math.Float64frombits(binary.BigEndian.Uint64(b[8*i:]))
	}
	if n, ok = r.uint32(); !ok || n > 256 {
		return errFloor
	}
	if b, ok = r.fixed(uint64(n) * 4); !ok {
		return errFloor
	}
	var samples []int32
	if n > 0 {
		samples = make([]int32, n)
	}
	for i := range samples {
		samples[i] = int32(binary.BigEndian.Uint32(b[4*i:]))
	}
	v.Samples = samples
	for _, dst := range [2]**benchx.Owner{&v.Owner, &v.Parent} {
		present, ok := r.uint32()
		if !ok {
			return errFloor
		}
		*dst = nil
		if present == 1 {
			o := new(benchx.Owner)
			if o.Name, ok = r.string(64); !ok {
				return errFloor
			}
			if b, ok = r.fixed(8); !ok {
				return errFloor
			}
			o.Uid, o.Gid = binary.BigEndian.Uint32(b), binary.BigEndian.Uint32(b[4:])
			*dst = o
		}
	}
	if disc, ok := r.uint32(); !ok || disc != 2 {
		return errFloor
	}
	if b, ok = r.fixed(24 + 36); !ok {
		return errFloor
	}
	v.Body = &benchx.BodyP{P: benchx.Point{X: math.Float64frombits(binary.BigEndian.Uint64(b)),
		Y: math.Float64frombits(binary.BigEndian.Uint64(b[8:])), Z: math.Float64frombits(binary.BigEndian.Uint64(b[16:]))}}
	b = b[24:]
	v.Created = int64(binary.BigEndian.Uint64(b))
	v.Modified = int64(binary.BigEndian.Uint64(b[8:]))
	v.Flags = binary.BigEndian.Uint32(b[16:])
	v.Priority = int32(binary.BigEndian.Uint32(b[20:]))
	v.Ratio = math.Float32frombits(binary.BigEndian.Uint32(b[24:]))
	v.Active = binary.BigEndian.Uint32(b[28:]) == 1
	v.Deleted = binary.BigEndian.Uint32(b[32:]) == 1
	if n, ok = r.uint32(); !ok || n > 64 || int(n)*8 > len(r.p)-r.off {
		return errFloor
	}
	var children []benchx.Child
	if n > 0 {
		children = make([]benchx.Child, n)
	}
	for i := range children {
		c := &children[i]
		if c.Id, ok = r.uint32(); !ok {
			return errFloor
		}
		if c.Label, ok = r.string(32); !ok {
			return errFloor
		}
	}
	v.Children = children
	if r.off != len(r.p) {
		return errFloor
	}
	return nil
}

// allocateLike gives v fresh copies of src's strings, slices and pointers:
// the allocations of decoding src, without the decoding. src has
// floorNested's shape: an owner, no parent, a point in the union.
func allocateLike(v, src *benchx.Nested) {
	v.Name = strings.Clone(src.Name)
	v.Tags = make([]benchx.Line, len(src.Tags))
	for i, t := range src.Tags {
		v.Tags[i] = benchx.Line(strings.Clone(string(t)))
	}
	v.Payload = bytes.Clone(src.Payload)
	v.Samples = make([]int32, len(src.Samples))
	copy(v.Samples, src.Samples)
	v.Owner = &benchx.Owner{Name: strings.Clone(src.Owner.Name), Uid: src.Owner.Uid, Gid: src.Owner.Gid}
	v.Body = &benchx.BodyP{P: src.Body.(*benchx.BodyP).P}
	v.Children = make([]benchx.Child, len(src.Children))
	for i, c := range src.Children {
		v.Children[i] = benchx.Child{Id: c.Id, Label: strings.Clone(c.Label)}
	}
}

// TestHandwrittenFloorDecodesTheMessage keeps the floor honest: it
// decodes what the generated code decodes, allocates what it allocates,
// and rejects every truncation of the message; on the message with any
// byte broken, it never panics, and what the generated code accepts with
// a point in the union it accepts too, as the same value (it checks less,
// so it accepts more).
func TestHandwrittenFloorDecodesTheMessage(t *testing.T) {
	want := floorNested()
	data, err := want.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got, gen benchx.Nested
	if err := handwrittenNested(data, &got); err != nil {
		t.Fatalf("handwritten: %v", err)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("handwritten decoded\n%+v\nwant\n%+v", got, *want)
	}
	for i := range len(data) {
		if err := handwrittenNested(data[:i], &got); err == nil {
			t.Errorf("handwritten accepts the first %d of %d bytes", i, len(data))
		}
	}
	for _, b := range variants(data) {
		var g, h benchx.Nested
		if gen.UnmarshalBinary(b) == nil && isPoint(gen.Body) {
			g = gen
			if err := handwrittenNested(b, &h); err != nil {
				t.Errorf("handwritten rejects %x, which generated code decodes: %v", b, err)
			} else if !reflect.DeepEqual(&h, &g) {
				t.Errorf("%x: handwritten decoded\n%+v\ngenerated code\n%+v", b, h, g)
			}
		} else {
			_ = handwrittenNested(b, &h) // must not panic
		}
	}
	generated := testing.AllocsPerRun(20, func() {
		if err := gen.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
	})
	for name, n := range map[string]float64{
		"handwritten": testing.AllocsPerRun(20, func() {
			if err := handwrittenNested(data, &got); err != nil {
				t.Fatal(err)
			}
		}),
		"allocations": testing.AllocsPerRun(20, func() { allocateLike(&got, want) }),
	} {
		if n != generated {
			t.Errorf("%s: %v allocations per decode, generated code %v", name, n, generated)
		}
	}
}

func isPoint(u benchx.Body) bool { _, ok := u.(*benchx.BodyP); return ok }

func BenchmarkGeneratedFloor(b *testing.B) {
	msg := floorNested()
	data, err := msg.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	// SmallStruct: two strings to allocate, a 60-byte output.
	small := &benchx.Small{Name: "0123456789abcdef", BirthDay: 1 << 60, Phone: "0123456789",
		Siblings: 3, Spouse: true, Money: 0.25}
	sdata, err := small.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	var v benchx.Nested
	var sv benchx.Small
	buf := make([]byte, 0, len(data))
	for _, bm := range []struct {
		name string
		data []byte
		run  func() error
	}{
		{"Nested/op=Unmarshal/impl=generated", data, func() error { return v.UnmarshalBinary(data) }},
		{"Nested/op=Unmarshal/impl=handwritten", data, func() error { return handwrittenNested(data, &v) }},
		{"Nested/op=Unmarshal/impl=allocations", data, func() error { allocateLike(&v, msg); return nil }},
		{"Nested/op=Marshal/impl=generated", data, func() error { _, err := msg.MarshalBinary(); return err }},
		{"Nested/op=Marshal/impl=allocations", data, func() error { sink = bytes.Clone(data); return nil }},
		{"Nested/op=MarshalAppend/impl=generated", data, func() (err error) { buf, err = msg.AppendBinary(buf[:0]); return err }},
		{"SmallStruct/op=Unmarshal/impl=generated", sdata, func() error { return sv.UnmarshalBinary(sdata) }},
		{"SmallStruct/op=Unmarshal/impl=allocations", sdata, func() error {
			sv.Name, sv.Phone = strings.Clone(small.Name), strings.Clone(small.Phone)
			return nil
		}},
		{"SmallStruct/op=Marshal/impl=generated", sdata, func() error { _, err := small.MarshalBinary(); return err }},
		{"SmallStruct/op=Marshal/impl=allocations", sdata, func() error { sink = bytes.Clone(sdata); return nil }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(bm.data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := bm.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// sink keeps the benchmarks' results alive, as a caller would.
var sink []byte
