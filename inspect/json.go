package inspect

import (
	"io"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"
)

// WriteJSON writes it as one line of JSON, without a newline, as
// `wirectl decode -o json` prints CBOR and MessagePack:
//
//   - integers as JSON numbers, exactly, however large
//     (18446744073709551615, -18446744073709551616);
//   - floats as WriteDiag writes them (1.0, 1.0e+300); NaN, Infinity and
//     -Infinity as the strings "NaN", "Infinity", "-Infinity";
//   - byte strings as strings of lowercase hex; text as strings;
//     indefinite-length strings joined;
//   - arrays as arrays; maps as objects, in wire order, duplicates kept:
//     a text key is the member name, any other key its diagnostic notation
//     ({1: 2} is {"1":2});
//   - a tag as its content, except tag 0 and 1 times (RFC 3339 strings, as
//     far as RFC 3339 reaches: years 0 to 9999) and bignums (tags 2 and 3
//     of up to 64 bytes, as numbers);
//   - false, true, null; undefined as null; simple(16) as "simple(16)";
//   - a MessagePack extension as {"ext":5,"data":"0102"}, a timestamp as
//     an RFC 3339 string.
func WriteJSON(w io.Writer, it *Item) error {
	if it == nil {
		return errNilItem
	}
	p := &printer{w: w}
	p.json(it)
	p.flush()
	return p.err
}

func (p *printer) json(it *Item) {
	if !p.room() {
		return
	}
	switch it.Kind {
	case Uint:
		p.buf = strconv.AppendUint(p.buf, it.Uint, 10)
	case NegInt:
		p.buf = appendNegInt(p.buf, it.Uint)
	case Float:
		if f := appendFloat(nil, it.Float); f[len(f)-1] == 'y' || f[0] == 'N' {
			p.buf = append(append(append(p.buf, '"'), f...), '"') // NaN, ±Infinity
		} else {
			p.buf = append(p.buf, f...)
		}
	case Bytes, Text:
		p.buf = append(p.buf, '"')
		for _, part := range stringParts(it) {
			if it.Kind == Text {
				p.jsonChars(part)
			} else {
				for i, c := range part {
					if i%1024 == 0 && !p.room() {
						return
					}
					p.buf = append(p.buf, hexDigits[c>>4], hexDigits[c&15])
				}
			}
		}
		p.buf = append(p.buf, '"')
	case Array:
		p.str("[")
		for i, c := range it.Children {
			if i > 0 {
				p.str(",")
			}
			p.json(c)
		}
		p.str("]")
	case Map:
		p.str("{")
		for i := 0; i+1 < len(it.Children); i += 2 {
			if i > 0 {
				p.str(",")
			}
			p.jsonKey(it.Children[i])
			p.str(":")
			p.json(it.Children[i+1])
		}
		p.str("}")
	case Tag:
		if len(it.Children) == 0 {
			p.str("null")
			return
		}
		c := it.Children[0]
		switch {
		case it.Tag == 0 && c.Kind == Text:
			p.json(c)
		case it.Tag == 1:
			if t, ok := epochTime(c); ok {
				p.jsonTime(t)
			} else {
				p.json(c)
			}
		case (it.Tag == 2 || it.Tag == 3) && c.Kind == Bytes && len(c.Bytes) <= 64:
			v := new(big.Int).SetBytes(c.Bytes)
			if it.Tag == 3 {
				v.Neg(v).Sub(v, big.NewInt(1))
			}
			p.buf = v.Append(p.buf, 10)
		default:
			p.json(c)
		}
	case Bool:
		p.str(strconv.FormatBool(it.Bool))
	case Null, Undefined:
		p.str("null")
	case Simple:
		p.str(`"simple(`)
		p.buf = strconv.AppendUint(p.buf, it.Uint, 10)
		p.str(`)"`)
	case Timestamp:
		p.jsonTime(it.Time)
	case Ext:
		p.str(`{"ext":`)
		p.buf = strconv.AppendInt(p.buf, int64(it.ExtType), 10)
		p.str(`,"data":"`)
		for _, c := range it.Bytes {
			p.buf = append(p.buf, hexDigits[c>>4], hexDigits[c&15])
		}
		p.str(`"}`)
	default:
		p.str("null")
	}
}

// jsonKey writes a map key as a member name: text as itself, anything
// else as its diagnostic notation.
func (p *printer) jsonKey(k *Item) {
	if k.Kind == Text {
		p.json(k)
		return
	}
	q := &printer{}
	q.value(k, 0)
	p.buf = append(p.buf, '"')
	p.jsonChars(q.buf)
	p.buf = append(p.buf, '"')
}

func (p *printer) jsonTime(t time.Time) {
	p.buf = append(p.buf, '"')
	p.buf = t.AppendFormat(p.buf, time.RFC3339Nano)
	p.buf = append(p.buf, '"')
}

// jsonChars writes s escaped for a JSON string, without the quotes.
func (p *printer) jsonChars(s []byte) {
	for i, n := 0, 0; i < len(s); n++ {
		if n%256 == 0 && !p.room() {
			return
		}
		r, size := utf8.DecodeRune(s[i:])
		i += size
		p.buf = appendEscaped(p.buf, r, true)
	}
}

// stringParts is the content of a string item: its bytes, or the bytes
// of each chunk of an indefinite-length string.
func stringParts(it *Item) [][]byte {
	if !it.Indefinite {
		return [][]byte{it.Bytes}
	}
	parts := make([][]byte, len(it.Chunks))
	for i, c := range it.Chunks {
		parts[i] = c.Bytes
	}
	return parts
}
