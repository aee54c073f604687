package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"

	"github.com/wirekit/wirekit/inspect"
	"github.com/wirekit/wirekit/marshal"
	"github.com/wirekit/wirekit/xdr"
	"github.com/wirekit/wirekit/xdr/idl"
	"github.com/wirekit/wirekit/xdr/schema"
)

// value is one decoded value of an input.
type value struct {
	format string
	raw    []byte        // its bytes, valid until the next value is read
	item   *inspect.Item // its items with their offsets (binary formats)
	goVal  any           // or the value itself (gob), nil included
	isGo   bool          // goVal holds the value
	xdr    *schema.Value // or the value and its items (XDR with a schema)
}

// source yields the values of an input, one after another, and io.EOF at
// a clean end.
type source interface {
	next() (*value, error)
}

// format is what wirectl decode can read. Protocol decoders (sqtime,
// store, oncrpc) register here when their packages arrive; decode knows
// nothing of any format but through this table.
type format struct {
	name string
	// stream reads a stream of concatenated values.
	stream func(r io.Reader, lim marshal.Limits) (source, error)
	// frame reads the one value that fills a frame's payload, which starts
	// at stream offset off.
	frame func(p []byte, off int64, lim marshal.Limits) (*value, error)
	// sniff: whether marshal.DetectPrefix may name it.
	sniff bool
	// annotate: whether -o annotate has items to show.
	annotate bool
	// why, for a format wirectl knows but cannot decode, says why.
	why string
	// proto, for a protocol (--proto), tells whether the start of a
	// stream reads as its messages.
	proto func(prefix []byte) bool
}

var formats = map[string]*format{}

func register(f *format) { formats[f.name] = f }

// formatNames lists the formats (protos: the protocols).
func formatNames(protos ...bool) []string {
	var names []string
	for n, f := range formats {
		if (f.proto != nil) == (len(protos) > 0 && protos[0]) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

func init() {
	for _, name := range []string{"cbor", "msgpack"} {
		parse := inspect.ParseCBOR
		if name == "msgpack" {
			parse = inspect.ParseMsgpack
		}
		one := func(p []byte, off int64, lim marshal.Limits) (*value, error) {
			it, err := parse(p, off, lim.MaxDepth)
			if err != nil {
				return nil, err
			}
			return &value{format: name, raw: p, item: it}, nil
		}
		register(&format{
			name: name,
			stream: func(r io.Reader, lim marshal.Limits) (source, error) {
				vr, err := lim.NewValueReader(name, r)
				if err != nil {
					return nil, err
				}
				return &binarySource{vr: vr, lim: lim, one: one}, nil
			},
			// The frame holds one value and nothing else: the parser
			// checks that (and the lengths, depth and item count).
			frame:    one,
			sniff:    true,
			annotate: true,
		})
	}
	register(&format{
		name: "json",
		stream: func(r io.Reader, lim marshal.Limits) (source, error) {
			c, _ := lim.Lookup("json")
			return &jsonSource{dec: c.NewDecoder(r)}, nil
		},
		frame: func(p []byte, off int64, lim marshal.Limits) (*value, error) {
			c, _ := lim.Lookup("json")
			var raw json.RawMessage
			if err := c.Unmarshal(p, &raw); err != nil {
				var me *marshal.Error
				if errors.As(err, &me) && me.Offset >= 0 {
					me.Offset += off // an offset in the stream, not the frame
				}
				return nil, err
			}
			if !utf8.Valid(raw) {
				return nil, fmt.Errorf("JSON value holds invalid UTF-8 at offset %d", off+int64(invalidAt(raw)))
			}
			return &value{format: "json", raw: raw}, nil
		},
		sniff: true,
	})
	register(&format{
		name: "gob",
		stream: func(r io.Reader, lim marshal.Limits) (source, error) {
			return &gobSource{gv: lim.NewGobValues(r)}, nil
		},
		// A frame holds a whole gob stream, as marshal's Marshal writes one.
		frame: func(p []byte, off int64, lim marshal.Limits) (*value, error) {
			v, err := (&gobSource{gv: lim.NewGobValues(bytes.NewReader(p))}).next()
			if err == io.EOF {
				err = fmt.Errorf("empty frame at offset %d", off)
			}
			return v, err
		},
		sniff: true,
	})
	register(&format{name: "graph", why: "decoding graph needs the Go types it was made from; use package marshal"})
	register(&format{name: "xdr", why: "XDR is not self-describing: give --schema F.x --type T"})
}

// compileSchema loads the .x files and compiles the type called name; a
// bad file or name is a usage error.
func compileSchema(files []string, name string) (*schema.Type, error) {
	if len(files) == 0 || name == "" {
		return nil, usagef("--schema F.x and --type T go together")
	}
	spec, err := idl.Load(files...)
	if err != nil {
		return nil, usagef("--schema: %w", err)
	}
	t, err := schema.Compile(spec, name)
	if err != nil {
		return nil, usageError{err}
	}
	return t, nil
}

// xdrLimits are lim for package xdr.
func xdrLimits(lim marshal.Limits) xdr.Limits {
	return xdr.Limits{MaxDepth: lim.MaxDepth, MaxBytes: lim.MaxBytes, MaxElements: lim.MaxElements}
}

// xdrFormat reads values of the type t.
func xdrFormat(t *schema.Type) *format {
	return &format{
		name: "xdr",
		stream: func(r io.Reader, lim marshal.Limits) (source, error) {
			return &xdrSource{t: t, dec: xdrLimits(lim).NewDecoder(r)}, nil
		},
		frame: func(p []byte, off int64, lim marshal.Limits) (*value, error) {
			v, err := t.Unmarshal(p, xdrLimits(lim))
			if err != nil {
				var xe *xdr.Error
				if errors.As(err, &xe) && xe.Offset >= 0 {
					xe.Offset += off // an offset in the stream, not the frame
				}
				return nil, err
			}
			v.Walk(func(x *schema.Value) bool { x.Offset += off; return true })
			return &value{format: "xdr", xdr: v}, nil
		},
		annotate: true,
	}
}

type xdrSource struct {
	t   *schema.Type
	dec *xdr.Decoder
}

func (s *xdrSource) next() (*value, error) {
	v, err := s.t.Decode(s.dec)
	if err != nil {
		return nil, err
	}
	return &value{format: "xdr", xdr: v}, nil
}

type binarySource struct {
	vr  *marshal.ValueReader
	lim marshal.Limits
	one func(p []byte, off int64, lim marshal.Limits) (*value, error)
}

func (s *binarySource) next() (*value, error) {
	raw, off, err := s.vr.Next()
	if err != nil {
		return nil, err
	}
	return s.one(raw, off, s.lim)
}

type jsonSource struct {
	dec marshal.Decoder
	n   int // values read
}

func (s *jsonSource) next() (*value, error) {
	var raw json.RawMessage
	if err := s.dec.Decode(&raw); err != nil {
		return nil, err
	}
	s.n++
	// encoding/json lets invalid UTF-8 through; printed, it would make
	// the output invalid JSON.
	if !utf8.Valid(raw) {
		at := int64(invalidAt(raw))
		if o, ok := s.dec.(interface{ InputOffset() int64 }); ok {
			at += o.InputOffset() - int64(len(raw))
			return nil, fmt.Errorf("JSON value %d holds invalid UTF-8 at offset %d", s.n, at)
		}
		return nil, fmt.Errorf("JSON value %d holds invalid UTF-8 at byte %d of the value", s.n, at)
	}
	return &value{format: "json", raw: raw}, nil
}

// invalidAt is the offset of the first invalid UTF-8 sequence in b.
func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

type gobSource struct{ gv *marshal.GobValues }

func (s *gobSource) next() (*value, error) {
	v, err := s.gv.Next()
	if err != nil {
		return nil, err
	}
	return &value{format: "gob", goVal: v, isGo: true}, nil
}
