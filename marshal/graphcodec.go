package marshal

import (
	"encoding/binary"
	"errors"
	"io"

	"github.com/wirekit/wirekit/framing"
	"github.com/wirekit/wirekit/graph"
)

// graphCodec is package graph in Graph mode: shared and cyclic pointers
// survive the round trip. Its depth counts unfinished containers (a linked
// list takes constant depth). A stream carries each value in a uvarint
// length-prefixed frame, as graph values do not delimit themselves.
type graphCodec struct{ lim Limits }

func (graphCodec) Name() string { return "graph" }

func (c graphCodec) limits() graph.Limits {
	return graph.Limits{MaxDepth: c.lim.MaxDepth, MaxBytes: c.lim.MaxBytes, MaxElements: c.lim.MaxElements}
}

func (c graphCodec) Marshal(v any) ([]byte, error) {
	b, err := graph.Marshal(v, graph.Graph)
	if err != nil {
		return nil, graphError(err, 0)
	}
	return b, nil
}

func (c graphCodec) Unmarshal(data []byte, v any) error {
	return graphError(c.limits().Unmarshal(data, v, graph.Graph), 0)
}

// NewEncoder writes each value as one uvarint-prefixed frame, in one
// Write.
func (c graphCodec) NewEncoder(w io.Writer) Encoder {
	return graphEncoder{framing.NewWriter(w, framing.Uvarint, framing.MaxFrame(maxGraphFrame))}
}

// maxGraphFrame is the largest frame a graph Encoder writes: readers hold
// frames to their own MaxBytes.
const maxGraphFrame = 1<<63 - 1

type graphEncoder struct{ w framing.Writer }

func (e graphEncoder) Encode(v any) error {
	b, err := graph.Marshal(v, graph.Graph)
	if err != nil {
		return graphError(err, 0)
	}
	if err := e.w.WriteFrame(b); err != nil {
		return libError("graph", -1, err)
	}
	return nil
}

func (c graphCodec) NewDecoder(r io.Reader) Decoder {
	return &graphDecoder{c: c, r: framing.NewReader(r, framing.Uvarint, framing.MaxFrame(c.lim.MaxBytes))}
}

type graphDecoder struct {
	c   graphCodec
	r   framing.Reader
	off int64 // stream offset of the next frame
	err error // sticky: a frame could not be read
}

// Decode reads the next frame and decodes it. A frame that cannot be read
// ends the stream; a frame whose value is bad is consumed, and the stream
// goes on.
func (d *graphDecoder) Decode(v any) error {
	if d.err != nil {
		return d.err
	}
	p, err := d.r.ReadFrame()
	if err != nil {
		if err == io.EOF {
			return err
		}
		d.err = libError("graph", -1, err) // framing's message names the offset
		if e := d.err.(*Error); errors.Is(err, framing.ErrFrameTooLarge) {
			e.kind = ErrTooLarge
		} else if errors.Is(err, framing.ErrBadHeader) {
			e.kind = ErrMalformed
		}
		return d.err
	}
	body := d.off + int64(uvarintLen(uint64(len(p))))
	d.off = body + int64(len(p))
	return graphError(d.c.limits().Unmarshal(p, v, graph.Graph), body)
}

func uvarintLen(n uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], n)
}

// graphError wraps a *graph.Error found base bytes into the stream.
func graphError(err error, base int64) error {
	if err == nil {
		return nil // before a variable whose address escapes
	}
	var ge *graph.Error
	if !errors.As(err, &ge) {
		return libError("graph", -1, err)
	}
	off := ge.Offset
	if off >= 0 {
		off += base
	}
	return &Error{Codec: "graph", Offset: off, Msg: ge.Msg, Err: err, kind: limitKind(ge.Err, ge.Msg,
		graph.ErrDepth, graph.ErrLimit, graph.ErrTrailingData,
		graph.ErrBadID, graph.ErrInvalid, graph.ErrUnregistered, graph.ErrCycle)}
}
