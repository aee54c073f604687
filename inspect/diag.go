package inspect

import (
	"errors"
	"io"
	"math"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

var errNilItem = errors.New("inspect: nil item")

// printer buffers output for w. When limit > 0 it is a trial run that
// gives up (errTooLong) once limit bytes are written.
type printer struct {
	w     io.Writer
	buf   []byte
	err   error
	limit int

	text bool // WriteText: literal non-ASCII, epoch-time comments, line breaks
}

var errTooLong = errors.New("too long")

func (p *printer) flush() {
	if p.err == nil && p.w != nil && len(p.buf) > 0 {
		_, p.err = p.w.Write(p.buf)
	}
	p.buf = p.buf[:0]
}

// room reports whether to go on writing, flushing a full buffer.
func (p *printer) room() bool {
	if p.err != nil {
		return false
	}
	if p.limit > 0 {
		if len(p.buf) > p.limit {
			p.err = errTooLong
			return false
		}
	} else if len(p.buf) >= 4096 {
		p.flush()
	}
	return p.err == nil
}

func (p *printer) str(s string) { p.buf = append(p.buf, s...) }

// WriteDiag writes it in RFC 8949 §8 diagnostic notation on one line,
// without a newline. Every example of RFC 8949 Appendix A comes out as
// the Appendix writes it, but for one thing §8 allows either way:
// bignums keep their tags (2(h'010000000000000000'), not
// 18446744073709551616). Text is written in ASCII, every other character
// escaped as JSON escapes it ("\u00fc", "\ud800\udd51"), as the Appendix
// writes it; testdata/inspect/rfc8949-appendix-a.txt holds all 81
// examples and what WriteDiag writes for each.
//
// Floats are the shortest decimal that reads back as the same float64,
// laid out as ECMAScript's Number::toString lays it out (plain decimals
// from 1e-6 to below 1e21, exponents otherwise), with ".0" added where
// that would read as an integer: 1.0, 100000.0, 1.0e+300,
// 0.00006103515625, 5.960464477539063e-8. The width on the wire is not
// shown for CBOR (its preferred encoding is the shortest exact one);
// MessagePack floats carry the §8.1 encoding indicator: 1.5_2 is a
// float32, 1.5_3 a float64.
//
// MessagePack values use the same notation (nil is null, str is text,
// bin is a byte string) plus two forms of its own: an extension is
// ext(<type>, h'<payload>'), and a timestamp is that with the time as a
// comment: ext(-1, h'5f5e1000') / 2020-09-13T12:26:40Z /.
func WriteDiag(w io.Writer, it *Item) error { return write(w, it, false) }

// WriteText writes it for a person to read: diagnostic notation as
// WriteDiag writes it, except that an array or map of more than four
// items (pairs), or longer than 64 bytes on one line, has one item per
// line, indented two spaces per level; printable non-ASCII characters
// are written as themselves; and epoch times (tag 1) get their RFC 3339
// form as a comment: 1(1363896240) / 2013-03-21T20:04:00Z /. No newline
// after the last line.
func WriteText(w io.Writer, it *Item) error { return write(w, it, true) }

func write(w io.Writer, it *Item, text bool) error {
	if it == nil {
		return errNilItem
	}
	p := &printer{w: w, text: text}
	p.value(it, 0)
	p.flush()
	return p.err
}

// value writes it; indent is the depth of line breaks (WriteText).
func (p *printer) value(it *Item, indent int) {
	if !p.room() {
		return
	}
	switch it.Kind {
	case Uint:
		p.buf = strconv.AppendUint(p.buf, it.Uint, 10)
	case NegInt:
		p.buf = appendNegInt(p.buf, it.Uint)
	case Bytes, Text:
		if !it.Indefinite {
			p.stringItem(it)
			return
		}
		if len(it.Chunks) == 0 {
			// §8.1: (_ ) would not say which kind of string.
			p.str(map[bool]string{true: `""_`, false: `''_`}[it.Kind == Text])
			return
		}
		p.str("(_ ")
		for i, c := range it.Chunks {
			if i > 0 {
				p.str(", ")
			}
			p.stringItem(c)
		}
		p.str(")")
	case Array, Map:
		p.container(it, indent)
	case Tag:
		p.buf = strconv.AppendUint(p.buf, it.Tag, 10)
		p.str("(")
		if len(it.Children) > 0 {
			p.value(it.Children[0], indent)
		}
		p.str(")")
		if p.text && it.Tag == 1 && len(it.Children) > 0 {
			if t, ok := epochTime(it.Children[0]); ok {
				p.str(" / ")
				p.buf = t.AppendFormat(p.buf, time.RFC3339Nano)
				p.str(" /")
			}
		}
	case Float:
		p.buf = appendFloat(p.buf, it.Float)
		if it.Format == MessagePack {
			switch it.FloatBits {
			case 16:
				p.str("_1")
			case 32:
				p.str("_2")
			case 64:
				p.str("_3")
			}
		}
	case Bool:
		p.str(strconv.FormatBool(it.Bool))
	case Null:
		p.str("null")
	case Undefined:
		p.str("undefined")
	case Simple:
		p.str("simple(")
		p.buf = strconv.AppendUint(p.buf, it.Uint, 10)
		p.str(")")
	case Ext, Timestamp:
		p.str("ext(")
		p.buf = strconv.AppendInt(p.buf, int64(it.ExtType), 10)
		p.str(", ")
		p.hex(it.Bytes)
		p.str(")")
		if it.Kind == Timestamp {
			p.str(" / ")
			p.buf = it.Time.AppendFormat(p.buf, time.RFC3339Nano)
			p.str(" /")
		}
	default:
		p.str("/ unknown kind " + it.Kind.String() + " /")
	}
}

func (p *printer) stringItem(it *Item) {
	if it.Kind == Text {
		p.quote(it.Bytes)
	} else {
		p.hex(it.Bytes)
	}
}

// container writes an array or map: on one line, or in WriteText one
// item per line when it has many items or is long.
func (p *printer) container(it *Item, indent int) {
	open, close, per := "[", "]", 1
	if it.Kind == Map {
		open, close, per = "{", "}", 2
	}
	n := len(it.Children) / per
	broken := p.text && p.limit == 0 && n > 0 && (n > 4 || !p.fitsOnLine(it))
	p.str(open)
	if it.Indefinite {
		p.str("_")
		if !broken {
			p.str(" ")
		}
	}
	for i := range n {
		if !p.room() {
			return
		}
		if i > 0 {
			p.str(",")
			if !broken {
				p.str(" ")
			}
		}
		if broken {
			p.newline(indent + 1)
		}
		if per == 2 {
			p.value(it.Children[2*i], indent+1)
			p.str(": ")
			p.value(it.Children[2*i+1], indent+1)
		} else {
			p.value(it.Children[i], indent+1)
		}
	}
	if broken {
		p.newline(indent)
	}
	p.str(close)
}

const lineLimit = 64

// fitsOnLine reports whether it written on one line takes at most
// lineLimit bytes. The trial run stops at the limit, so it costs
// O(lineLimit) whatever the size of it.
func (p *printer) fitsOnLine(it *Item) bool {
	q := &printer{limit: lineLimit, text: true}
	q.value(it, 0)
	return q.err == nil && len(q.buf) <= lineLimit
}

func (p *printer) newline(indent int) {
	p.str("\n")
	for range indent {
		p.str("  ")
	}
}

const hexDigits = "0123456789abcdef"

func (p *printer) hex(b []byte) {
	p.str("h'")
	for i, c := range b {
		if i%1024 == 0 && !p.room() {
			return
		}
		p.buf = append(p.buf, hexDigits[c>>4], hexDigits[c&15])
	}
	p.str("'")
}

// quote writes s as a diagnostic-notation (and JSON) string: ASCII, with
// JSON's escapes; in WriteText printable non-ASCII characters as they are.
func (p *printer) quote(s []byte) {
	p.buf = append(p.buf, '"')
	for i, n := 0, 0; i < len(s); n++ {
		if n%256 == 0 && !p.room() {
			return
		}
		r, size := utf8.DecodeRune(s[i:])
		i += size
		p.buf = appendEscaped(p.buf, r, p.text)
	}
	p.buf = append(p.buf, '"')
}

// appendEscaped appends r as it goes in a diagnostic-notation string.
// Invalid UTF-8 (possible only in an Item built by hand) comes out as
// U+FFFD.
func appendEscaped(b []byte, r rune, literal bool) []byte {
	switch r {
	case '"':
		return append(b, '\\', '"')
	case '\\':
		return append(b, '\\', '\\')
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	switch {
	case r >= 0x20 && r < 0x7f:
		return append(b, byte(r))
	case literal && r >= 0x80 && r != utf8.RuneError && unicode.IsPrint(r):
		return utf8.AppendRune(b, r)
	case r > 0xffff:
		r -= 0x10000
		b = appendU4(b, 0xd800+(r>>10))
		return appendU4(b, 0xdc00+(r&0x3ff))
	}
	return appendU4(b, r)
}

func appendU4(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&15], hexDigits[r>>8&15], hexDigits[r>>4&15], hexDigits[r&15])
}

// appendNegInt appends -1-n, which for n = 2⁶⁴-1 is beyond uint64.
func appendNegInt(b []byte, n uint64) []byte {
	b = append(b, '-')
	if n == math.MaxUint64 {
		return append(b, "18446744073709551616"...)
	}
	return strconv.AppendUint(b, n+1, 10)
}

// appendFloat appends f as WriteDiag documents: shortest round-trip
// digits in ECMAScript Number::toString layout, always reading as a
// float. The result is valid JSON for finite f.
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64) // -d.ddde±dd
	if e[0] == '-' {
		b = append(b, '-')
		e = e[1:]
	}
	ePos := 0
	for e[ePos] != 'e' {
		ePos++
	}
	exp, _ := strconv.Atoi(string(e[ePos+1:]))
	var digits []byte
	for _, c := range e[:ePos] {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	k, n := len(digits), exp+1 // the decimal point goes after n digits
	switch {
	case k <= n && n <= 21:
		b = append(b, digits...)
		for range n - k {
			b = append(b, '0')
		}
		return append(b, ".0"...)
	case 0 < n && n <= 21:
		b = append(b, digits[:n]...)
		b = append(b, '.')
		return append(b, digits[n:]...)
	case -6 < n && n <= 0:
		b = append(b, "0."...)
		for range -n {
			b = append(b, '0')
		}
		return append(b, digits...)
	}
	b = append(b, digits[0], '.')
	if k > 1 {
		b = append(b, digits[1:]...)
	} else {
		b = append(b, '0')
	}
	b = append(b, 'e')
	if n-1 >= 0 {
		b = append(b, '+')
	}
	return strconv.AppendInt(b, int64(n-1), 10)
}

// epochTime is the time of tag 1's content, when it is a number of
// seconds in the years 0 to 9999.
func epochTime(c *Item) (time.Time, bool) {
	var sec, nsec int64
	switch c.Kind {
	case Uint:
		if c.Uint > maxRFC3339Sec {
			return time.Time{}, false
		}
		sec = int64(c.Uint)
	case NegInt:
		if c.Uint >= -minRFC3339Sec {
			return time.Time{}, false
		}
		sec = -1 - int64(c.Uint)
	case Float:
		f := c.Float
		if !(f >= minRFC3339Sec && f < maxRFC3339Sec+1) { // false for NaN
			return time.Time{}, false
		}
		s := math.Floor(f)
		sec, nsec = int64(s), int64(math.Round((f-s)*1e9))
		if nsec >= 1e9 {
			sec, nsec = sec+1, nsec-1e9
		}
		if sec > maxRFC3339Sec {
			return time.Time{}, false
		}
	default:
		return time.Time{}, false
	}
	return time.Unix(sec, nsec).UTC(), true
}
