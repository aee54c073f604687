package inspect

import (
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// WriteAnnotate writes it as Wireshark's packet-details pane shows a
// packet: one line per item, each ending in a newline, in this layout:
//
//	OFFSET  LEN  RAW  DESCRIPTION
//
// For example, [1, [2, 3], [4, 5]] (RFC 8949 Appendix A):
//
//	0000  8  83  array(3)
//	0001  1  01    uint 1
//	0002  3  82    array(2)
//	0003  1  02      uint 2
//	0004  1  03      uint 3
//	0005  3  82    array(2)
//	0006  1  04      uint 4
//	0007  1  05      uint 5
//
// OFFSET is the stream offset of the item's first byte, in decimal,
// zero-padded to at least four digits; LEN its length in bytes with
// everything inside it, right-aligned. RAW is the item's bytes in hex:
// only the head for arrays, maps, tags and indefinite-length strings
// (their insides have lines of their own), all of it for anything else,
// in either case at most 16 bytes and then "…". The columns are as wide
// as their widest entry and separated by two spaces. DESCRIPTION is
// indented two spaces per level of nesting and says what the item is:
//
//   - CBOR: "uint 24", "negint -25", "float16 1.5", "bytes(4) h'01020304'",
//     `text(4) "IETF"`, "array(3)", "map(_)" (indefinite length), "tag 1:
//     epoch time 2013-03-21T20:04:00Z", "simple(16)", "true", "null"…
//   - MessagePack: the type's name from the MessagePack spec, then the
//     value: "positive fixint 5", "int16 -300", "float32 1.5",
//     `fixstr(3) "abc"`, "bin8(2) h'0102'", "array16(20)", "fixmap(1)",
//     "fixext4 type 5 h'01020304'", "timestamp 2020-09-13T12:26:40Z (fixext4
//     type -1)", "nil"…
//
// Byte strings show at most 16 bytes and text at most 32 characters
// here, then "…": WriteDiag is the lossless view. A map's keys and
// values are prefixed "key: " and "value: ". The chunks of an
// indefinite-length string and the break (0xff) that ends an
// indefinite-length item have lines of their own, one level in.
func WriteAnnotate(w io.Writer, it *Item) error {
	if it == nil {
		return errNilItem
	}
	return WriteAnnotateLines(w, func(emit func(AnnotateLine)) { annotate(it, 0, "", emit) })
}

// AnnotateLine is one line of WriteAnnotate's layout: an item's stream
// offset and length, its raw bytes in hex, its nesting depth and what it
// is. Other formats (XDR by a schema) write the same layout with
// WriteAnnotateLines.
type AnnotateLine struct {
	Offset, Len int64
	Raw         string
	Depth       int
	Desc        string
}

// WriteAnnotateLines writes the lines that walk emits in WriteAnnotate's
// layout. walk is called twice, and must emit the same lines both times:
// the first pass measures the columns.
func WriteAnnotateLines(w io.Writer, walk func(emit func(AnnotateLine))) error {
	ow, lw, rw := 4, 1, 0
	walk(func(l AnnotateLine) {
		ow = max(ow, len(strconv.FormatInt(l.Offset, 10)))
		lw = max(lw, len(strconv.FormatInt(l.Len, 10)))
		rw = max(rw, utf8.RuneCountInString(l.Raw))
	})
	p := &printer{w: w}
	walk(func(l AnnotateLine) {
		if !p.room() {
			return
		}
		off := strconv.FormatInt(l.Offset, 10)
		p.str(strings.Repeat("0", max(0, ow-len(off))) + off + "  ")
		n := strconv.FormatInt(l.Len, 10)
		p.str(strings.Repeat(" ", lw-len(n)) + n + "  ")
		p.str(l.Raw + strings.Repeat(" ", rw-utf8.RuneCountInString(l.Raw)) + "  ")
		p.str(strings.Repeat("  ", l.Depth) + l.Desc + "\n")
	})
	p.flush()
	return p.err
}

// annotate calls emit for it and everything inside it, in wire order.
func annotate(it *Item, depth int, prefix string, emit func(AnnotateLine)) {
	container := it.Kind == Array || it.Kind == Map || it.Kind == Tag || it.Indefinite
	raw := it.Raw
	if container && it.Head <= len(raw) {
		raw = raw[:it.Head]
	}
	emit(AnnotateLine{Offset: it.Offset, Len: it.Len, Raw: rawHex(raw), Depth: depth, Desc: prefix + describe(it)})
	for _, c := range it.Chunks {
		annotate(c, depth+1, "", emit)
	}
	for i, c := range it.Children {
		pre := ""
		if it.Kind == Map {
			pre = "key: "
			if i%2 == 1 {
				pre = "value: "
			}
		}
		annotate(c, depth+1, pre, emit)
	}
	if it.Indefinite && it.Len > 0 {
		emit(AnnotateLine{Offset: it.Offset + it.Len - 1, Len: 1, Raw: "ff", Depth: depth + 1, Desc: "break"})
	}
}

// rawHex is b in hex, two digits a byte, space-separated, the first 16
// bytes only.
func rawHex(b []byte) string {
	var s []byte
	for i, c := range b {
		if i == 16 {
			return string(s) + "…"
		}
		if i > 0 {
			s = append(s, ' ')
		}
		s = append(s, hexDigits[c>>4], hexDigits[c&15])
	}
	return string(s)
}

var tagNames = map[uint64]string{
	0: "date/time text", 1: "epoch time", 2: "positive bignum", 3: "negative bignum",
	4: "decimal fraction", 5: "bigfloat", 21: "expect base64url", 22: "expect base64",
	23: "expect base16", 24: "embedded CBOR", 32: "URI", 33: "base64url text", 34: "base64 text",
	36: "MIME message", 55799: "self-described CBOR",
}

// msgpackNames are the names of the type bytes 0xc0 to 0xdf.
var msgpackNames = [...]string{
	"nil", "(never used)", "false", "true", "bin8", "bin16", "bin32", "ext8", "ext16", "ext32",
	"float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
	"fixext1", "fixext2", "fixext4", "fixext8", "fixext16", "str8", "str16", "str32",
	"array16", "array32", "map16", "map32",
}

// describe is the DESCRIPTION column of WriteAnnotate.
func describe(it *Item) string {
	name := ""
	if it.Format == MessagePack && len(it.Raw) > 0 {
		switch b := it.Raw[0]; {
		case b <= 0x7f:
			name = "positive fixint"
		case b >= 0xe0:
			name = "negative fixint"
		case b <= 0x8f:
			name = "fixmap"
		case b <= 0x9f:
			name = "fixarray"
		case b <= 0xbf:
			name = "fixstr"
		default:
			name = msgpackNames[b-0xc0]
		}
	}
	var d []byte
	count := func(generic string, n int) {
		if name == "" {
			name = generic
		}
		d = append(d, name...)
		if !strings.HasPrefix(name, "fixext") {
			d = append(d, '(')
			if it.Indefinite {
				d = append(d, '_')
			} else {
				d = strconv.AppendInt(d, int64(n), 10)
			}
			d = append(d, ')')
		}
	}
	scalar := func(generic string) {
		if name == "" {
			name = generic
		}
		d = append(d, name...)
	}
	switch it.Kind {
	case Uint:
		scalar("uint")
		d = strconv.AppendUint(append(d, ' '), it.Uint, 10)
	case NegInt:
		scalar("negint")
		d = appendNegInt(append(d, ' '), it.Uint)
	case Float:
		scalar("float" + strconv.Itoa(it.FloatBits))
		d = appendFloat(append(d, ' '), it.Float)
	case Bytes:
		count("bytes", len(it.Bytes))
		if !it.Indefinite {
			d = append(d, " h'"...)
			d = appendPreviewHex(d, it.Bytes)
		}
	case Text:
		count("text", len(it.Bytes))
		if !it.Indefinite {
			d = append(d, ' ')
			d = appendPreviewText(d, it.Bytes)
		}
	case Array:
		count("array", len(it.Children))
	case Map:
		count("map", len(it.Children)/2)
	case Tag:
		d = strconv.AppendUint(append(d, "tag "...), it.Tag, 10)
		if n, ok := tagNames[it.Tag]; ok {
			d = append(append(d, ": "...), n...)
		}
		if it.Tag == 1 && len(it.Children) > 0 {
			if t, ok := epochTime(it.Children[0]); ok {
				d = t.AppendFormat(append(d, ' '), time.RFC3339Nano)
			}
		}
	case Bool:
		d = strconv.AppendBool(d, it.Bool)
	case Null:
		scalar("null")
	case Undefined:
		d = append(d, "undefined"...)
	case Simple:
		d = strconv.AppendUint(append(d, "simple("...), it.Uint, 10)
		d = append(d, ')')
	case Ext:
		count("ext", len(it.Bytes))
		d = strconv.AppendInt(append(d, " type "...), int64(it.ExtType), 10)
		d = append(d, " h'"...)
		d = appendPreviewHex(d, it.Bytes)
	case Timestamp:
		d = it.Time.AppendFormat(append(d, "timestamp "...), time.RFC3339Nano)
		if name != "" {
			d = append(append(d, " ("...), name...)
			d = append(d, " type -1)"...)
		}
	default:
		d = append(d, it.Kind.String()...)
	}
	return string(d)
}

func appendPreviewHex(d, b []byte) []byte {
	for i, c := range b {
		if i == 16 {
			return append(d, "…'"...)
		}
		d = append(d, hexDigits[c>>4], hexDigits[c&15])
	}
	return append(d, '\'')
}

func appendPreviewText(d, s []byte) []byte {
	d = append(d, '"')
	for i, n := 0, 0; i < len(s); n++ {
		if n == 32 {
			return append(d, "\"…"...)
		}
		r, size := utf8.DecodeRune(s[i:])
		i += size
		d = appendEscaped(d, r, true)
	}
	return append(d, '"')
}
