// Package benchref holds the Go types of the benchmarks' messages, for
// package bench and the packages whose tests measure or check against
// them. Small and Nested are testdata/xdr/gen/bench.x's messages for
// wirekit's reflection codec (package xdr), written by hand: the
// benchmarks compare them with the code xdr/gen writes for bench.x
// (package benchx) and with the peer libraries, and xdr/gen's tests check
// that the generated code decodes and fails as the reflection codec does
// on them; their encodings are bench.x's byte for byte. Medium is the
// codec benchmarks' message of a few kilobytes.
package benchref

import (
	"bytes"
	"fmt"

	"github.com/wirekit/wirekit/xdr"
)

// Small is go_serialization_benchmarks' SmallStruct, with BirthDay as unix
// nanoseconds: bench.x's struct small.
type Small struct {
	Name     string
	BirthDay int64
	Phone    string
	Siblings int32
	Spouse   bool
	Money    float64
}

// Nested is bench.x's struct nested: twenty members with an enum, a
// union, optional-data, fixed and variable arrays and opaques.
type Nested struct {
	ID       uint64
	Version  int32
	Kind     Kind
	Name     string   `xdr:"max=64"`
	Tags     []string `xdr:"max=16"`
	Checksum [32]byte
	Payload  []byte `xdr:"max=4096"`
	Scores   [4]float64
	Samples  []int32 `xdr:"max=256"`
	Owner    *Owner
	Parent   *Owner
	Body     Body
	Created  int64
	Modified int64
	Flags    uint32
	Priority int32
	Ratio    float32
	Active   bool
	Deleted  bool
	Children []Child `xdr:"max=64"`
}

// Kind is bench.x's enum kind.
type Kind int32

// ValidEnum accepts kind's four values.
func (Kind) ValidEnum(v int32) bool { return v >= 0 && v <= 3 }

// Owner is bench.x's struct owner.
type Owner struct {
	Name string `xdr:"max=64"`
	UID  uint32
	GID  uint32
}

// Child is bench.x's struct child.
type Child struct {
	ID    uint32
	Label string `xdr:"max=32"`
}

// Body is union switch (int type) { case 0: void; case 1: line lines<16>;
// case 2: point p; }.
type Body interface{ isBody() }

// BodyEmpty is Body's case 0.
type BodyEmpty struct{}

// BodyText is Body's case 1.
type BodyText struct {
	Lines []string `xdr:"max=16"`
}

// BodyPoint is Body's case 2.
type BodyPoint struct{ X, Y, Z float64 }

func (*BodyEmpty) isBody() {}
func (*BodyText) isBody()  {}
func (*BodyPoint) isBody() {}

func init() {
	xdr.RegisterUnion[Body](
		xdr.Case[*BodyEmpty](int32(0)),
		xdr.Case[*BodyText](int32(1)),
		xdr.Case[*BodyPoint](int32(2)))
}

// Medium is a message of a few kilobytes: fifty Smalls and a blob.
type Medium struct {
	Title string
	Items []Small
	Blob  []byte
	Ratio float64
}

// MediumValue returns the Medium the benchmarks measure.
func MediumValue() Medium {
	m := Medium{Title: "inventory", Blob: bytes.Repeat([]byte{7}, 1024), Ratio: 0.25}
	for i := range 50 {
		m.Items = append(m.Items, Small{Name: fmt.Sprintf("item-%02d", i), BirthDay: int64(i) << 30,
			Phone: "555-0100", Siblings: int32(i % 4), Spouse: i%2 == 0, Money: float64(i) * 1.5})
	}
	return m
}
