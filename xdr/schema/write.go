package schema

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/wirekit/wirekit/inspect"
)

var errNilValue = errors.New("schema: nil Value")

// WriteJSON writes v as one line of JSON, without a newline, as wirectl
// decode -o json prints XDR with a schema (see the package documentation
// for the mapping). Structs are objects with their members in .x order;
// hyper and unsigned hyper are exact numbers; floats are written as
// encoding/json writes them, float in its own precision (1.1, not
// 1.100000023841858); a string that is not valid UTF-8 shows U+FFFD for
// each invalid byte (see Value.Lossy).
func WriteJSON(w io.Writer, v *Value) error { return writeJSON(w, v, false) }

// WriteText writes v as WriteJSON does, indented two spaces a level and
// without a final newline: the readable view.
func WriteText(w io.Writer, v *Value) error { return writeJSON(w, v, true) }

// MarshalJSON returns v as WriteJSON writes it.
func (v *Value) MarshalJSON() ([]byte, error) {
	if v == nil {
		return []byte("null"), nil
	}
	p := &printer{}
	p.json(v, -1)
	return p.buf, nil
}

func writeJSON(w io.Writer, v *Value, indent bool) error {
	if v == nil {
		return errNilValue
	}
	p := &printer{w: w}
	depth := -1
	if indent {
		depth = 0
	}
	p.json(v, depth)
	p.flush()
	return p.err
}

// printer buffers output and writes it to w a few KiB at a time.
type printer struct {
	w   io.Writer
	buf []byte
	err error
}

func (p *printer) flush() {
	if p.err == nil && p.w != nil && len(p.buf) > 0 {
		_, p.err = p.w.Write(p.buf)
	}
	p.buf = p.buf[:0]
}

// room reports whether to go on, flushing a full buffer.
func (p *printer) room() bool {
	if p.w != nil && len(p.buf) >= 4096 {
		p.flush()
	}
	return p.err == nil
}

func (p *printer) str(s string) { p.buf = append(p.buf, s...) }

// newline starts a line at depth (indented output); depth < 0 is compact.
func (p *printer) newline(depth int) {
	if depth >= 0 {
		p.buf = append(p.buf, '\n')
		for range depth {
			p.str("  ")
		}
	}
}

// json writes v; depth is the indentation level, or -1 for one line.
func (p *printer) json(v *Value, depth int) {
	if !p.room() {
		return
	}
	inner := depth
	if depth >= 0 {
		inner++
	}
	switch v.Kind {
	case Int, Hyper:
		p.buf = strconv.AppendInt(p.buf, v.Int, 10)
	case Uint, Uhyper:
		p.buf = strconv.AppendUint(p.buf, v.Uint, 10)
	case Float, Double:
		bits := 64
		if v.Kind == Float {
			bits = 32
		}
		switch {
		case math.IsNaN(v.Float):
			p.str(`"NaN"`)
		case math.IsInf(v.Float, 1):
			p.str(`"Infinity"`)
		case math.IsInf(v.Float, -1):
			p.str(`"-Infinity"`)
		default:
			p.buf = appendFloat(p.buf, v.Float, bits)
		}
	case Quadruple, Opaque:
		p.buf = append(p.buf, '"')
		for i, c := range v.Bytes {
			if i%1024 == 0 && !p.room() {
				return
			}
			p.buf = append(p.buf, hexDigits[c>>4], hexDigits[c&15])
		}
		p.buf = append(p.buf, '"')
	case Bool:
		p.buf = strconv.AppendBool(p.buf, v.Bool)
	case Enum:
		if name := v.EnumName(); name != "" {
			p.jsonString([]byte(name))
		} else {
			p.buf = strconv.AppendInt(p.buf, v.Int, 10)
		}
	case String:
		p.jsonString(v.Bytes)
	case Optional:
		if len(v.Elems) == 0 {
			p.str("null")
		} else {
			p.json(v.Elems[0], depth)
		}
	case Array:
		p.str("[")
		for i, e := range v.Elems {
			if i > 0 {
				p.str(",")
			}
			p.newline(inner)
			p.json(e, inner)
		}
		if len(v.Elems) > 0 {
			p.newline(depth)
		}
		p.str("]")
	case Struct, Union:
		p.str("{")
		for i, e := range v.Elems {
			if i > 0 {
				p.str(",")
			}
			p.newline(inner)
			p.jsonString([]byte(e.Name()))
			p.str(":")
			if depth >= 0 {
				p.str(" ")
			}
			p.json(e, inner)
		}
		if len(v.Elems) > 0 {
			p.newline(depth)
		}
		p.str("}")
	}
}

const hexDigits = "0123456789abcdef"

// jsonString writes s as a JSON string: UTF-8 as it is, control
// characters, quotes and backslashes escaped, and \ufffd for each byte
// that is not valid UTF-8 (and for U+FFFD).
func (p *printer) jsonString(s []byte) {
	p.buf = append(p.buf, '"')
	for i, n := 0, 0; i < len(s); n++ {
		if n%1024 == 0 && !p.room() {
			return
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == '"' || r == '\\':
			p.buf = append(p.buf, '\\', byte(r))
		case r == '\n':
			p.str(`\n`)
		case r == '\r':
			p.str(`\r`)
		case r == '\t':
			p.str(`\t`)
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			p.str(`\u`)
			p.buf = append(p.buf, hexDigits[r>>12&15], hexDigits[r>>8&15], hexDigits[r>>4&15], hexDigits[r&15])
		case r == utf8.RuneError:
			// An invalid byte, or U+FFFD itself: written alike, so that the
			// JSON of a string is that of its characters.
			p.str(`\ufffd`)
		default:
			p.buf = append(p.buf, s[i:i+size]...)
		}
		i += size
	}
	p.buf = append(p.buf, '"')
}

// appendFloat formats f as encoding/json does: shortest for its size,
// exponent only for very large and very small magnitudes.
func appendFloat(b []byte, f float64, bits int) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// 1e-07 to 1e-7, as encoding/json.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// WriteAnnotate writes v as Wireshark's packet-details pane shows a
// packet, in the layout of inspect.WriteAnnotate: one line per item, each
// ending in a newline,
//
//	OFFSET  LEN  RAW  DESCRIPTION
//
// For the RFC 4506 §7 example:
//
//	0000  48                                                   file
//	0000  16  00 00 00 09 73 69 6c 6c 79 70 72 6f 67 00 00 00    filename: string<255> "sillyprog"
//	0016  12                                                     type: filetype
//	0016   4  00 00 00 02                                          kind: filekind EXEC
//	0020   8  00 00 00 04 6c 69 73 70                              interpretor: string<255> "lisp"
//	0028   8  00 00 00 04 6a 6f 68 6e                            owner: string<32> "john"
//	0036  12  00 00 00 06 28 71 75 69 74 29 00 00                data: opaque<65535> h'287175697429'
//
// OFFSET is the stream offset of the item's first byte, in decimal,
// zero-padded to at least four digits; LEN its length in bytes with
// everything inside it. RAW is the item's bytes in hex, at most 16 and
// then "…": a scalar's, a string's or opaque's with its length and
// padding, and only the head of the others (the count of a
// variable-length array, the flag of optional-data; nothing for a struct
// or union, whose discriminant has a line of its own). DESCRIPTION is
// indented two spaces a level and names the item by its .x name (array
// elements by index), then its type as declared and its value: strings
// quoted as Go quotes them, the first 32 characters, invalid bytes as
// \x escapes; opaques as h'…', the first 16 bytes; enums by identifier;
// a variable-length array's count in parentheses; absent optional-data
// as null. The members of a struct or union reached through
// optional-data are the optional's own lines, one level in.
func WriteAnnotate(w io.Writer, v *Value) error {
	if v == nil {
		return errNilValue
	}
	return inspect.WriteAnnotateLines(w, func(emit func(inspect.AnnotateLine)) { annotate(v, 0, "", emit) })
}

// annotate calls emit for v and everything inside it, in wire order;
// label names v ("filename", "[3]", or "" for the top-level value and
// the value of an optional).
func annotate(v *Value, depth int, label string, emit func(inspect.AnnotateLine)) {
	desc := v.decl.typ
	if label != "" {
		desc = label + ": " + desc
	}
	var head [16]byte
	raw := head[:0]
	kids := v.Elems
	switch v.Kind {
	case Int, Hyper, Enum:
		if v.Kind == Hyper {
			raw = binary.BigEndian.AppendUint64(raw, uint64(v.Int))
		} else {
			raw = binary.BigEndian.AppendUint32(raw, uint32(v.Int))
		}
		if v.Kind == Enum && v.EnumName() != "" {
			desc += " " + v.EnumName()
		} else {
			desc += " " + strconv.FormatInt(v.Int, 10)
		}
	case Uint, Uhyper:
		if v.Kind == Uhyper {
			raw = binary.BigEndian.AppendUint64(raw, v.Uint)
		} else {
			raw = binary.BigEndian.AppendUint32(raw, uint32(v.Uint))
		}
		desc += " " + strconv.FormatUint(v.Uint, 10)
	case Float, Double:
		bits := 32
		if v.Kind == Double {
			bits = 64
			raw = binary.BigEndian.AppendUint64(raw, v.Uint)
		} else {
			raw = binary.BigEndian.AppendUint32(raw, uint32(v.Uint))
		}
		switch {
		case math.IsNaN(v.Float):
			desc += " NaN"
		case math.IsInf(v.Float, 1):
			desc += " Infinity"
		case math.IsInf(v.Float, -1):
			desc += " -Infinity"
		default:
			desc += " " + string(appendFloat(nil, v.Float, bits))
		}
	case Bool:
		raw = binary.BigEndian.AppendUint32(raw, flag(v.Bool))
		desc += " " + strconv.FormatBool(v.Bool)
	case Quadruple:
		raw = append(raw, v.Bytes...)
		desc += " h'" + previewHex(v.Bytes) + "'"
	case String, Opaque:
		if !v.decl.n.fixed {
			raw = binary.BigEndian.AppendUint32(raw, uint32(len(v.Bytes)))
		}
		raw = append(raw, v.Bytes[:min(len(v.Bytes), 16-len(raw))]...)
		for pad := (4 - len(v.Bytes)&3) & 3; pad > 0 && len(raw) < 16; pad-- {
			raw = append(raw, 0)
		}
		if v.Kind == String {
			desc += " " + previewText(v.Bytes)
		} else {
			desc += " h'" + previewHex(v.Bytes) + "'"
		}
	case Array:
		if !v.decl.n.fixed {
			raw = binary.BigEndian.AppendUint32(raw, uint32(len(v.Elems)))
			desc += "(" + strconv.Itoa(len(v.Elems)) + ")"
		}
	case Optional:
		raw = binary.BigEndian.AppendUint32(raw, flag(v.Bool))
		switch {
		case len(v.Elems) == 0:
			desc += " null"
		case v.Elems[0].Kind == Struct || v.Elems[0].Kind == Union:
			kids = v.Elems[0].Elems // the members are the optional's own lines
		}
	}
	emit(inspect.AnnotateLine{Offset: v.Offset, Len: v.Len, Raw: rawHex(raw, v.Len > 16 && len(raw) == 16), Depth: depth, Desc: desc})
	for i, k := range kids {
		label := k.decl.name
		if v.Kind == Array {
			label = "[" + strconv.Itoa(i) + "]"
		}
		annotate(k, depth+1, label, emit)
	}
}

func flag(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// rawHex is b in hex, two digits a byte, space-separated, then "…" when
// more is cut.
func rawHex(b []byte, more bool) string {
	s := make([]byte, 0, 3*len(b)+3)
	for i, c := range b {
		if i > 0 {
			s = append(s, ' ')
		}
		s = append(s, hexDigits[c>>4], hexDigits[c&15])
	}
	if more {
		s = append(s, "…"...)
	}
	return string(s)
}

func previewHex(b []byte) string {
	s := make([]byte, 0, 2*min(len(b), 16)+3)
	for i, c := range b {
		if i == 16 {
			return string(s) + "…"
		}
		s = append(s, hexDigits[c>>4], hexDigits[c&15])
	}
	return string(s)
}

// previewText is the first 32 characters of s quoted as Go quotes them
// (invalid bytes as \x escapes), then "…" if there are more.
func previewText(s []byte) string {
	i := 0
	for n := 0; i < len(s) && n < 32; n++ {
		_, size := utf8.DecodeRune(s[i:])
		i += size
	}
	q := strconv.Quote(string(s[:i]))
	if i < len(s) {
		q += "…"
	}
	return q
}
