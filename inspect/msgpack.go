package inspect

import (
	"encoding/binary"
	"math"
	"time"
	"unicode/utf8"
)

// ParseMsgpack reads the one MessagePack value that is all of data, as
// ParseCBOR reads CBOR. Integers that are negative on the wire become
// NegInt items (n = -1-v), the others Uint. An extension of type -1 that
// holds a valid timestamp (4, 8 or 12 bytes, nanoseconds below 10⁹) in
// the years 0 to 9999 becomes a Timestamp; every other extension, of any
// type, an Ext. The type byte 0xc1 is malformed, and so is a str that is
// not valid UTF-8.
func ParseMsgpack(data []byte, base int64, maxDepth int) (*Item, error) {
	p := &parser{data: data, base: base}
	return p.parse(maxDepth, (*parser).msgpackNext)
}

func (p *parser) msgpackNext() (*Item, int64, error) {
	start := p.pos
	b := p.data[start]
	p.pos++
	it := &Item{Offset: p.base + int64(start), Format: MessagePack}
	// A length of n bytes for a str, bin, array or map, or n bytes of
	// extension payload; the byte width of the length field is lw.
	var length uint64
	readLen := func(lw int) error {
		v, err := p.uintN(start, lw, "length")
		length = v
		return err
	}
	var err error
	switch {
	case b <= 0x7f:
		it.Kind, it.Uint = Uint, uint64(b)
	case b >= 0xe0:
		it.Kind, it.Uint = NegInt, uint64(-1-int64(int8(b)))
	case b <= 0x8f:
		it.Kind, length = Map, uint64(b&0x0f)
	case b <= 0x9f:
		it.Kind, length = Array, uint64(b&0x0f)
	case b <= 0xbf:
		it.Kind, length = Text, uint64(b&0x1f)
	case b == 0xc0:
		it.Kind = Null
	case b == 0xc1:
		return nil, 0, p.errorf(start, ErrMalformed, "type byte 0xc1 is never used")
	case b == 0xc2 || b == 0xc3:
		it.Kind, it.Bool = Bool, b == 0xc3
	case b >= 0xc4 && b <= 0xc6: // bin 8/16/32
		it.Kind, err = Bytes, readLen(1<<(b-0xc4))
	case b >= 0xc7 && b <= 0xc9: // ext 8/16/32
		it.Kind, err = Ext, readLen(1<<(b-0xc7))
	case b == 0xca:
		var v uint64
		v, err = p.uintN(start, 4, "float32")
		it.Kind, it.FloatBits, it.Float = Float, 32, float64(math.Float32frombits(uint32(v)))
	case b == 0xcb:
		var v uint64
		v, err = p.uintN(start, 8, "float64")
		it.Kind, it.FloatBits, it.Float = Float, 64, math.Float64frombits(v)
	case b >= 0xcc && b <= 0xcf: // uint 8/16/32/64
		it.Kind = Uint
		it.Uint, err = p.uintN(start, 1<<(b-0xcc), "integer")
	case b >= 0xd0 && b <= 0xd3: // int 8/16/32/64
		n := 1 << (b - 0xd0)
		var v uint64
		v, err = p.uintN(start, n, "integer")
		// Sign-extend the n-byte two's complement value.
		s := int64(v<<(64-8*n)) >> (64 - 8*n)
		if s < 0 {
			it.Kind, it.Uint = NegInt, uint64(-1-s)
		} else {
			it.Kind, it.Uint = Uint, uint64(s)
		}
	case b >= 0xd4 && b <= 0xd8: // fixext 1/2/4/8/16
		it.Kind, length = Ext, 1<<(b-0xd4)
	case b >= 0xd9 && b <= 0xdb: // str 8/16/32
		it.Kind, err = Text, readLen(1<<(b-0xd9))
	case b == 0xdc || b == 0xdd: // array 16/32
		it.Kind, err = Array, readLen(2<<(b-0xdc))
	case b == 0xde || b == 0xdf: // map 16/32
		it.Kind, err = Map, readLen(2<<(b-0xde))
	}
	if err != nil {
		return nil, 0, err
	}

	switch it.Kind {
	case Array, Map:
		it.Head = p.pos - start
		per := uint64(1)
		if it.Kind == Map {
			per = 2
		}
		if left := uint64(len(p.data) - p.pos); length > left/per {
			return nil, 0, p.truncated(int64(start), "%s of %d items needs at least %d bytes, %d left", it.Kind, length, length*per, left)
		}
		it.Children = make([]*Item, 0, min(length*per, 8))
		return it, int64(length), nil
	case Ext:
		v, err := p.uintN(start, 1, "extension type")
		if err != nil {
			return nil, 0, err
		}
		it.ExtType = int8(v)
		fallthrough
	case Bytes, Text:
		it.Head = p.pos - start
		if err := p.need(start, length, "payload"); err != nil {
			return nil, 0, err
		}
		it.Bytes = p.take(length)
		if it.Kind == Text && !utf8.Valid(it.Bytes) {
			return nil, 0, p.errorf(start, ErrMalformed, "str is not valid UTF-8")
		}
		if it.Kind == Ext && it.ExtType == -1 {
			if t, ok := msgpackTime(it.Bytes); ok {
				it.Kind, it.Time = Timestamp, t
			}
		}
	default:
		it.Head = p.pos - start
	}
	return it, 0, nil
}

// RFC 3339 has four-digit years: the seconds of 0000-01-01T00:00:00Z and
// 9999-12-31T23:59:59Z.
const (
	minRFC3339Sec = -62167219200
	maxRFC3339Sec = 253402300799
)

// msgpackTime decodes the payload of a timestamp extension:
//
//	timestamp 32: seconds (uint32)
//	timestamp 64: nanoseconds (30 bits) | seconds (34 bits), one uint64
//	timestamp 96: nanoseconds (uint32), seconds (int64)
func msgpackTime(b []byte) (time.Time, bool) {
	var sec, nsec int64
	switch len(b) {
	case 4:
		sec = int64(binary.BigEndian.Uint32(b))
	case 8:
		v := binary.BigEndian.Uint64(b)
		sec, nsec = int64(v&(1<<34-1)), int64(v>>34)
	case 12:
		nsec, sec = int64(binary.BigEndian.Uint32(b)), int64(binary.BigEndian.Uint64(b[4:]))
	default:
		return time.Time{}, false
	}
	if nsec >= 1e9 || sec < minRFC3339Sec || sec > maxRFC3339Sec {
		return time.Time{}, false
	}
	return time.Unix(sec, nsec).UTC(), true
}
