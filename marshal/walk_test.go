package marshal

import (
	"bytes"
	"encoding/gob"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/wirekit/wirekit/internal/xdrcorpus/benchref"
)

func walkValues() map[string]any {
	m := benchref.MediumValue()
	return map[string]any{"small": &m.Items[7], "medium": &m}
}

// BenchmarkHardeningWalk measures what the MessagePack and gob codecs'
// checks of hostile input cost on their own (impl=walk), against the
// library decoding the same bytes (impl=library), on bench's small and
// medium messages. The checks are a second pass over the bytes that the
// issue's design requires before the library sees them; walk/library is
// the floor of those codecs' overhead over the library.
//
//	go test -run '^$' -bench HardeningWalk -count 6 ./marshal > w.txt
//	benchstat -col /impl w.txt
func BenchmarkHardeningWalk(b *testing.B) {
	for _, workload := range []string{"small", "medium"} {
		v := walkValues()[workload]
		mp, err := msgpack.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("codec=msgpack/workload="+workload+"/impl=library", func(b *testing.B) {
			for b.Loop() {
				if err := msgpack.Unmarshal(mp, fresh(workload)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("codec=msgpack/workload="+workload+"/impl=walk", func(b *testing.B) {
			s := mpScanner{lim: DefaultLimits}
			for b.Loop() {
				s.reset(0)
				if end, _, err := s.scan(mp, true); err != nil || end != len(mp) {
					b.Fatal(end, err)
				}
			}
		})

		// gob: a stream that has sent the types and one value, then a
		// second value, one message.
		var stream bytes.Buffer
		enc := gob.NewEncoder(&stream)
		if err := enc.Encode(v); err != nil {
			b.Fatal(err)
		}
		defs := stream.Len()
		if err := enc.Encode(v); err != nil {
			b.Fatal(err)
		}
		value := stream.Bytes()[defs:]
		start, stop, err := gobMessage(value, 0)
		if err != nil || stop != len(value) {
			b.Fatal("the second value is not one message", err)
		}
		b.Run("codec=gob/workload="+workload+"/impl=library", func(b *testing.B) {
			// The first value brings the type definitions; then the
			// value message alone, again and again.
			r := bytes.NewReader(stream.Bytes())
			dec := gob.NewDecoder(r)
			if err := dec.Decode(fresh(workload)); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				r.Reset(value)
				if err := dec.Decode(fresh(workload)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("codec=gob/workload="+workload+"/impl=walk", func(b *testing.B) {
			chk := newGobChecker(DefaultLimits)
			data := stream.Bytes()
			for at := 0; at < defs; {
				s, e, err := gobMessage(data, at)
				if err != nil {
					b.Fatal(err)
				}
				chk.more = int64(len(data) - e)
				if _, err := chk.message(data[s:e], int64(s)); err != nil {
					b.Fatal(err)
				}
				at = e
			}
			for b.Loop() {
				chk.more = 0
				if isValue, err := chk.message(value[start:stop], int64(defs+start)); err != nil || !isValue {
					b.Fatal(isValue, err)
				}
			}
		})
	}
}

func fresh(workload string) any {
	if workload == "small" {
		return new(benchref.Small)
	}
	return new(benchref.Medium)
}
