package bench

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/wirekit/wirekit/framing"
	"github.com/wirekit/wirekit/graph"
	"github.com/wirekit/wirekit/internal/xdrcorpus/benchref"
	"github.com/wirekit/wirekit/marshal"
	"github.com/wirekit/wirekit/xdr"
)

// Medium is a message of a few kilobytes: fifty Smalls and a blob.
type Medium = benchref.Medium

// direct is a codec called the way its library is called without wirekit,
// with the options the marshal codec uses.
type direct struct {
	marshal   func(v any) ([]byte, error)
	unmarshal func(data []byte, v any) error
	decoder   func(r io.Reader) func(v any) error
}

var (
	cborEnc = func() cbor.EncMode {
		em, err := cbor.EncOptions{Time: cbor.TimeRFC3339Nano, TimeTag: cbor.EncTagRequired}.EncMode()
		if err != nil {
			panic(err)
		}
		return em
	}()
	// The marshal codec's default limits, as DecOptions.
	cborDec = func() cbor.DecMode {
		dm, err := cbor.DecOptions{MaxNestedLevels: marshal.DefaultMaxDepth,
			MaxArrayElements: marshal.DefaultMaxElements, MaxMapPairs: marshal.DefaultMaxElements}.DecMode()
		if err != nil {
			panic(err)
		}
		return dm
	}()
)

var directCodecs = map[string]direct{
	"json": {json.Marshal, json.Unmarshal, func(r io.Reader) func(any) error { return json.NewDecoder(r).Decode }},
	"gob": {
		func(v any) ([]byte, error) {
			var buf bytes.Buffer
			err := gob.NewEncoder(&buf).Encode(v)
			return buf.Bytes(), err
		},
		func(data []byte, v any) error { return gob.NewDecoder(bytes.NewReader(data)).Decode(v) },
		func(r io.Reader) func(any) error { return gob.NewDecoder(r).Decode },
	},
	"msgpack": {msgpack.Marshal, msgpack.Unmarshal, func(r io.Reader) func(any) error { return msgpack.NewDecoder(r).Decode }},
	"cbor":    {cborEnc.Marshal, cborDec.Unmarshal, func(r io.Reader) func(any) error { return cborDec.NewDecoder(r).Decode }},
	"xdr":     {xdr.Marshal, xdr.Unmarshal, func(r io.Reader) func(any) error { return xdr.NewDecoder(r).Decode }},
	"graph": {
		func(v any) ([]byte, error) { return graph.Marshal(v, graph.Graph) },
		func(data []byte, v any) error { return graph.Unmarshal(data, v, graph.Graph) },
		func(r io.Reader) func(any) error {
			fr := framing.NewReader(r, framing.Uvarint)
			return func(v any) error {
				p, err := fr.ReadFrame()
				if err != nil {
					return err
				}
				return graph.Unmarshal(p, v, graph.Graph)
			}
		},
	},
}

// BenchmarkMarshalCodecs measures what package marshal costs over calling
// each library directly: impl=direct is the library, impl=wirekit the
// codec Lookup returns, including its checks of hostile input.
//
//	go test -run '^$' -bench MarshalCodecs -benchmem -count 10 ./bench > m.txt
//	benchstat -col /impl m.txt
func BenchmarkMarshalCodecs(b *testing.B) {
	workloads := []struct {
		name  string
		value any
		fresh func() any
	}{
		{"small", newSmall(rand.New(rand.NewPCG(1, 1))), func() any { return new(Small) }},
		{"medium", benchref.MediumValue(), func() any { return new(Medium) }},
	}
	for _, name := range marshal.Names() {
		c, _ := marshal.Lookup(name)
		d := directCodecs[name]
		for _, w := range workloads {
			prefix := "codec=" + name + "/workload=" + w.name
			data, err := c.Marshal(w.value)
			if err != nil {
				b.Fatal(err)
			}
			impls := []struct {
				name      string
				marshal   func(any) ([]byte, error)
				unmarshal func([]byte, any) error
				decoder   func(io.Reader) func(any) error
			}{
				{"direct", d.marshal, d.unmarshal, d.decoder},
				{"wirekit", c.Marshal, c.Unmarshal, func(r io.Reader) func(any) error { return c.NewDecoder(r).Decode }},
			}
			for _, im := range impls {
				b.Run(prefix+"/op=Marshal/impl="+im.name, func(b *testing.B) {
					b.ReportAllocs()
					b.SetBytes(int64(len(data)))
					for b.Loop() {
						if _, err := im.marshal(w.value); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			for _, im := range impls {
				b.Run(prefix+"/op=Unmarshal/impl="+im.name, func(b *testing.B) {
					b.ReportAllocs()
					b.SetBytes(int64(len(data)))
					for b.Loop() {
						if err := im.unmarshal(data, w.fresh()); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			// A stream of values, as a connection carries them: the
			// per-value cost, with a new Decoder every 256 values.
			var stream bytes.Buffer
			enc := c.NewEncoder(&stream)
			const perStream = 256
			for range perStream {
				if err := enc.Encode(w.value); err != nil {
					b.Fatal(err)
				}
			}
			for _, im := range impls {
				b.Run(prefix+"/op=Decode/impl="+im.name, func(b *testing.B) {
					b.ReportAllocs()
					b.SetBytes(int64(stream.Len() / perStream))
					var decode func(any) error
					left := 0
					for b.Loop() {
						if left == 0 {
							decode, left = im.decoder(bytes.NewReader(stream.Bytes())), perStream
						}
						if err := decode(w.fresh()); err != nil {
							b.Fatal(err)
						}
						left--
					}
				})
			}
		}
	}
}
