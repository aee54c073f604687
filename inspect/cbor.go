package inspect

import (
	"math"
	"unicode/utf8"
)

// ParseCBOR reads the one CBOR data item (RFC 8949) that is all of data;
// base is the stream offset of data[0], added to every offset in the tree
// and in errors. Arrays, maps and tags may nest maxDepth levels deep
// (DefaultMaxDepth when maxDepth <= 0). The tree aliases data.
//
// The item must be well-formed (RFC 8949 §3, Appendix C) and its text
// strings valid UTF-8; tag contents are not checked against the tag.
func ParseCBOR(data []byte, base int64, maxDepth int) (*Item, error) {
	p := &parser{data: data, base: base}
	return p.parse(maxDepth, (*parser).cborNext)
}

func (p *parser) cborNext() (*Item, int64, error) {
	start := p.pos
	ib := p.data[start]
	p.pos++
	major, ai := ib>>5, ib&0x1f
	it := &Item{Offset: p.base + int64(start), Format: CBOR}

	var arg uint64
	switch {
	case ai < 24:
		arg = uint64(ai)
	case ai <= 27:
		v, err := p.uintN(start, 1<<(ai-24), "head")
		if err != nil {
			return nil, 0, err
		}
		arg = v
	case ai == 31:
		it.Indefinite = true
	default:
		return nil, 0, p.errorf(start, ErrMalformed, "reserved additional information %d in initial byte 0x%02x", ai, ib)
	}
	it.Head = p.pos - start
	if it.Indefinite && (major == 0 || major == 1 || major == 6) {
		return nil, 0, p.errorf(start, ErrMalformed, "initial byte 0x%02x: major type %d has no indefinite length", ib, major)
	}

	switch major {
	case 0:
		it.Kind, it.Uint = Uint, arg
	case 1:
		it.Kind, it.Uint = NegInt, arg
	case 2, 3:
		it.Kind = Bytes
		if major == 3 {
			it.Kind = Text
		}
		if it.Indefinite {
			return it, 0, p.cborChunks(it, ib)
		}
		if err := p.need(start, arg, map[Kind]string{Bytes: "byte string", Text: "text string"}[it.Kind]); err != nil {
			return nil, 0, err
		}
		it.Bytes = p.take(arg)
		if it.Kind == Text && !utf8.Valid(it.Bytes) {
			return nil, 0, p.errorf(start, ErrMalformed, "text string is not valid UTF-8")
		}
	case 4, 5:
		it.Kind = Array
		per := uint64(1) // each element takes at least one byte
		if major == 5 {
			it.Kind, per = Map, 2
		}
		if it.Indefinite {
			return it, -1, nil
		}
		if left := uint64(len(p.data) - p.pos); arg > left/per {
			return nil, 0, p.truncated(int64(start), "%s of %d items needs at least %d bytes, %d left", it.Kind, arg, arg*per, left)
		}
		it.Children = make([]*Item, 0, min(arg*per, 8))
		return it, int64(arg), nil
	case 6:
		it.Kind, it.Tag = Tag, arg
		it.Children = make([]*Item, 0, 1)
		return it, 1, nil
	case 7:
		switch {
		case ai < 20:
			it.Kind, it.Uint = Simple, arg
		case ai == 20 || ai == 21:
			it.Kind, it.Bool = Bool, ai == 21
		case ai == 22:
			it.Kind = Null
		case ai == 23:
			it.Kind = Undefined
		case ai == 24:
			if arg < 32 {
				return nil, 0, p.errorf(start, ErrMalformed, "simple value %d in two bytes", arg)
			}
			it.Kind, it.Uint = Simple, arg
		case ai == 25:
			it.Kind, it.FloatBits, it.Float = Float, 16, halfToFloat64(uint16(arg))
		case ai == 26:
			it.Kind, it.FloatBits, it.Float = Float, 32, float64(math.Float32frombits(uint32(arg)))
		case ai == 27:
			it.Kind, it.FloatBits, it.Float = Float, 64, math.Float64frombits(arg)
		default: // 31
			return nil, 0, p.errorf(start, ErrMalformed, "break outside an indefinite-length item")
		}
	}
	return it, 0, nil
}

// cborChunks reads the chunks of an indefinite-length string up to and
// including its break. Chunks cannot nest, so this needs no stack.
func (p *parser) cborChunks(it *Item, ib byte) error {
	start := int(it.Offset - p.base)
	var joined []byte
	for {
		if p.pos >= len(p.data) {
			return p.truncated(int64(start), "indefinite-length %s string has no break", it.Kind)
		}
		cstart := p.pos
		cb := p.data[cstart]
		if cb == 0xff {
			p.pos++
			break
		}
		if cb>>5 != ib>>5 || cb&0x1f == 31 {
			return p.errorf(cstart, ErrMalformed, "chunk 0x%02x in an indefinite-length %s string is not a definite-length %s string", cb, it.Kind, it.Kind)
		}
		p.pos++
		var n uint64
		switch ai := cb & 0x1f; {
		case ai < 24:
			n = uint64(ai)
		case ai <= 27:
			v, err := p.uintN(cstart, 1<<(ai-24), "chunk head")
			if err != nil {
				return err
			}
			n = v
		default:
			return p.errorf(cstart, ErrMalformed, "reserved additional information %d in initial byte 0x%02x", ai, cb)
		}
		head := p.pos - cstart
		if err := p.need(cstart, n, "chunk"); err != nil {
			return err
		}
		c := &Item{Offset: p.base + int64(cstart), Head: head, Kind: it.Kind, Format: CBOR, Bytes: p.take(n)}
		if c.Kind == Text && !utf8.Valid(c.Bytes) {
			return p.errorf(cstart, ErrMalformed, "text chunk is not valid UTF-8")
		}
		p.finish(c)
		it.Chunks = append(it.Chunks, c)
		joined = append(joined, c.Bytes...)
	}
	it.Bytes = joined
	if it.Bytes == nil {
		it.Bytes = []byte{}
	}
	return nil
}

// halfToFloat64 widens an IEEE 754 binary16 value (RFC 8949 Appendix D).
func halfToFloat64(h uint16) float64 {
	exp, mant := int(h>>10)&0x1f, float64(h&0x3ff)
	var v float64
	switch exp {
	case 0:
		v = math.Ldexp(mant, -24)
	case 31:
		if mant == 0 {
			v = math.Inf(1)
		} else {
			v = math.NaN()
		}
	default:
		v = math.Ldexp(mant+1024, exp-25)
	}
	if h&0x8000 != 0 {
		v = -v
	}
	return v
}
