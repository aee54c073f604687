package marshal

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
)

// gobCodec is encoding/gob behind the Codec API, made safe on hostile input.
//
// encoding/gob is not hardened against adversarial input (its doc says so)
// and has no limits to configure: a map count goes straight to
// reflect.MakeMapWithSize, so a 12-byte message declaring 1<<28 pairs costs
// gigabytes; recursive types decode by Go recursion, so a few megabytes of
// a deep list can grow the goroutine stack to its 1 GB limit, a fatal error
// recover cannot catch. gobCodec therefore splits the input into gob's
// messages and runs each through a gobChecker (gobcheck.go), which walks it
// against the stream's type definitions on an explicit stack and enforces
// the Limits, before encoding/gob sees a byte of it.
//
// gob's decoder also parses a value differently when the destination has
// no field for part of it: it skips that part, and its skipping code reads
// two shapes gob's own Encoder produces in another way than its decoding
// code (golang/go#34879): a nil interface value (read as a name followed by
// a type id and a byte count) and an interface value whose concrete value
// defines types (whose byte count gob's Encoder ends early). Bytes the
// checker checked as a string's contents can then reach gob as a map
// count: a value of a struct with a []any field holding nil, decoded into
// a struct without that field, makes gob allocate megabytes per 15 bytes,
// or gigabytes. So when a value holds either shape, the codec matches the
// stream's struct types against the destination's Go type as gob does (by
// field name; inside interface values, against the type gob has
// registered under the name sent, see gobRegistered), and refuses the
// value (ErrMalformed, before gob reads it) if gob would skip a part of
// it that can hold interface values. Decode(nil), which skips the whole
// value, is refused on the same terms. Should gob still read past the
// value the checker delimited, or stop short of it, the Decoder reports
// ErrMalformed, sticky.
//
// Nor does the checker bound gob's type compilation, which runs before the
// first value of a type: for each struct field the destination lacks, gob
// compiles a skip routine through every slice, array and map type the
// field's type leads to, afresh for each field. A struct of 4,000 such
// fields over a chain of 4,000 slice types (96 KB, no value at all) costs
// gob seconds to tens of seconds of CPU.
//
// Marshal, NewEncoder: a self-contained stream as gob.Encoder writes it,
// type definitions first. Unmarshal: exactly one value (with the type
// definitions it needs); anything after it is ErrTrailingData.
type gobCodec struct{ lim Limits }

// Name returns "gob".
func (gobCodec) Name() string { return "gob" }

// Marshal returns v gob-encoded by a new gob.Encoder: the definitions of
// the types v needs, then v.
func (gobCodec) Marshal(v any) ([]byte, error) {
	if err := gobEncodable(v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, libError("gob", -1, err)
	}
	return buf.Bytes(), nil
}

// Unmarshal decodes the one value in data into v, after checking every
// message of data. data longer than MaxBytes is ErrTooLarge.
func (c gobCodec) Unmarshal(data []byte, v any) error {
	if len(data) > c.lim.MaxBytes {
		return newError("gob", 0, ErrTooLarge, fmt.Sprintf("input of %d bytes exceeds MaxBytes %d", len(data), c.lim.MaxBytes))
	}
	chk := getGobChecker(c.lim)
	defer putGobChecker(chk)
	end := 0
	for {
		if end == len(data) {
			msg := "input ends before a value"
			if chk.midValue {
				msg = "input ends inside a value that goes on in another message"
			}
			return newError("gob", int64(end), io.ErrUnexpectedEOF, msg)
		}
		start, stop, err := gobMessage(data, end)
		if err != nil {
			return err
		}
		chk.more = int64(len(data) - stop)
		isValue, err := chk.message(data[start:stop], int64(start))
		if err != nil {
			return err
		}
		end = stop
		if isValue {
			break
		}
	}
	if end < len(data) {
		return newError("gob", int64(end), ErrTrailingData, fmt.Sprintf("%d bytes after the value", len(data)-end))
	}
	if err := chk.refuseSkips(v, 0); err != nil {
		return err
	}
	r := bytes.NewReader(data)
	if err := gob.NewDecoder(r).Decode(v); err != nil {
		return libError("gob", -1, err)
	}
	if r.Len() > 0 {
		// gob parsed the value differently from the checker (see gobCodec).
		return newError("gob", int64(len(data)-r.Len()), ErrMalformed, fmt.Sprintf("encoding/gob stopped %d bytes before the end of the value", r.Len()))
	}
	return nil
}

// NewEncoder returns an Encoder writing one gob stream to w: each type is
// defined once, before the first value that needs it.
func (gobCodec) NewEncoder(w io.Writer) Encoder {
	e := &gobEncoder{w: w}
	e.enc = gob.NewEncoder(&e.buf)
	return e
}

// NewDecoder returns a Decoder reading one gob stream from r.
func (c gobCodec) NewDecoder(r io.Reader) Decoder {
	return newGobDecoder(c.lim, r)
}

// errGobDestination is the Err of a Decode into something that is neither
// a non-nil pointer nor nil.
var errGobDestination = errors.New("gob: attempt to decode into a non-pointer")

// gobEncodable refuses what gob.Encoder would panic on: a nil pointer.
func gobEncodable(v any) error {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return newError("gob", -1, ErrMalformed, "cannot encode a nil pointer of type "+rv.Type().String())
	}
	return nil
}

// gobEncoder writes each value's messages to w in one Write, once
// gob.Encoder has produced all of them. gob.Encoder writes as it goes: a
// value that fails after an interface in it has sent a type definition
// leaves half a value on the stream, and gob.Encoder has marked its types
// as sent. Buffering keeps the stream whole: on a failure the complete
// type definitions before the value are written (the receiver needs them,
// as the gob.Encoder will not send them again) and the rest dropped; if
// part of a value had to be dropped with a type definition in it, or w
// failed, the stream cannot go on and the error is sticky.
type gobEncoder struct {
	w   io.Writer
	buf bytes.Buffer
	enc *gob.Encoder
	err error // sticky
}

func (e *gobEncoder) Encode(v any) error {
	if e.err != nil {
		return e.err
	}
	if err := gobEncodable(v); err != nil {
		return err
	}
	e.buf.Reset()
	encErr := e.enc.Encode(v)
	out := e.buf.Bytes()
	if encErr != nil {
		defs := gobLeadingDefs(out)
		if defs < len(out) {
			e.err = libError("gob", -1, fmt.Errorf("%w (the stream cannot go on: part of the value held type definitions)", encErr))
		}
		out = out[:defs]
	}
	if len(out) > 0 {
		if _, err := e.w.Write(out); err != nil {
			e.err = &Error{Codec: "gob", Offset: -1, Msg: "write: " + err.Error(), Err: err}
			return e.err
		}
	}
	if e.err != nil {
		return e.err
	}
	return libError("gob", -1, encErr)
}

// gobLeadingDefs returns the length of the type-definition messages at the
// start of a gob stream.
func gobLeadingDefs(b []byte) int {
	end := 0
	for end < len(b) {
		start, stop, err := gobMessage(b, end)
		if err != nil {
			break
		}
		u, _, err := gobUint(b[start:stop], 0)
		if err != nil || gobToInt(u) >= 0 {
			break
		}
		end = stop
	}
	return end
}

// gobDecoder reads a gob stream message by message. Each message is read
// into a buffer that grows only as its bytes arrive, after its length has
// been checked against what is left of MaxBytes for the value (type
// definitions and all the messages of the value count). The stream's one
// gobChecker checks it; once a value's messages are complete and checked,
// gob.Decoder reads exactly those bytes, through gobFeed.
//
// Errors about the bytes (malformed, truncated, beyond a limit, the
// reader's own) are sticky. Errors from gob.Decoder on checked bytes are
// not: they are about the destination (a type mismatch, an unregistered
// interface type, a number out of range, a GobDecode error), and since this
// decoder delimits values itself the next Decode starts on the next value.
// gob.Decoder does the same (it resets its error on every Decode and drops
// what is left of the failed message), with one consequence to know: type
// definitions carried inside the failed value's interface values may not
// have reached gob.Decoder, so a later value needing them fails too. The
// exception is gob reading past the end of the checked value, or succeeding
// short of it: gob parsed it differently from the checker (see gobCodec),
// and that is a sticky ErrMalformed. A Decode into something that is not a
// non-nil pointer (or nil) consumes nothing and is not sticky either.
type gobDecoder struct {
	lim  Limits
	chk  *gobChecker
	dec  *gob.Decoder
	feed gobFeed
	// The window's buf[start:end] are the bytes read and not yet
	// decoded: the value being read starts at buf[start], and its
	// messages read so far, length counts included, are
	// buf[start:start+n].
	window
	n   int
	off int64 // stream offset of buf[start]
	err error // sticky
}

func newGobDecoder(lim Limits, r io.Reader) *gobDecoder {
	d := &gobDecoder{lim: lim, window: window{r: r}, chk: newGobChecker(lim)}
	d.dec = gob.NewDecoder(&d.feed)
	return d
}

func (d *gobDecoder) Decode(v any) error {
	if d.err != nil {
		return d.err
	}
	// gob.Decoder refuses these before reading; so must this decoder,
	// or the value would be lost with its type definitions. The error is
	// about the destination, not the bytes: not ErrMalformed, not sticky,
	// and nothing is consumed.
	if rv := reflect.ValueOf(v); v != nil && (rv.Kind() != reflect.Pointer || rv.IsNil()) {
		return &Error{Codec: "gob", Offset: -1, Msg: fmt.Sprintf("cannot decode into %T: want a non-nil pointer, or nil to skip the value", v), Err: errGobDestination}
	}
	return d.decode(v, nil)
}

// decode reads the next value's messages, then decodes them into v, or,
// when dst is not nil, into what dst returns, which can look at the
// checker's view of the value.
func (d *gobDecoder) decode(v any, dst func() (any, error)) error {
	d.n = 0
	for {
		isValue, err := d.readMessage()
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			d.err = err
			return err
		}
		if isValue {
			break
		}
	}
	if dst != nil {
		var err error
		if v, err = dst(); err != nil {
			// The value is not decoded, so gob.Decoder does not see its
			// type definitions: the stream cannot go on.
			d.err = err
			return err
		}
	}
	if err := d.chk.refuseSkips(v, d.off); err != nil {
		// gob.Decoder will not see the value's type definitions: the
		// stream cannot go on.
		d.err = err
		return err
	}
	size := d.n
	d.feed.data, d.feed.pos, d.feed.short = d.buf[d.start:d.start+size], 0, false
	err := d.dec.Decode(v)
	start, stop := d.off, d.off+int64(d.feed.pos)
	unread, short := size-d.feed.pos, d.feed.short
	d.feed.data = nil
	d.off += int64(size)
	d.start += size
	d.n = 0
	if len(d.buf) > 64<<10 && d.end-d.start <= firstStreamBuf {
		// Do not keep a large value's buffer for the whole stream.
		nb := make([]byte, firstStreamBuf)
		d.start, d.end = 0, copy(nb, d.buf[d.start:d.end])
		d.buf = nb
	}
	// gob reading past the value, or (without an error) stopping before
	// its end, parsed it differently from the checker (see gobCodec): gob
	// and the checker no longer agree on the stream or its type
	// definitions, so the error is sticky. (After a type mismatch gob
	// stops early as a matter of course.)
	if short {
		d.err = newError("gob", start+int64(size), ErrMalformed, "encoding/gob read past the end of the value the checker delimited")
		return d.err
	}
	if err != nil {
		// The value (its message starts at start) does not fit v, or
		// names an interface type gob does not know.
		return libError("gob", start, err)
	}
	if unread > 0 {
		d.err = newError("gob", stop, ErrMalformed, fmt.Sprintf("encoding/gob stopped %d bytes before the end of the value", unread))
		return d.err
	}
	return nil
}

// readMessage reads one message into the value's bytes and checks it. It
// returns io.EOF at a clean end of the stream: between values, with no
// type definitions waiting for their value.
func (d *gobDecoder) readMessage() (isValue bool, err error) {
	at := d.off + int64(d.n)
	if !d.have(1) {
		if d.rerr == nil && d.n == 0 && !d.chk.pending() {
			return false, io.EOF
		}
		return false, d.readErr(at, "stream ends before the value its type definitions announce")
	}
	lead := d.buf[d.start+d.n]
	d.n++
	n := uint64(lead)
	if lead >= 0x80 {
		k := -int(int8(lead))
		if k > 8 {
			return false, newError("gob", at, ErrMalformed, fmt.Sprintf("message length with a byte count of %d (at most 8)", k))
		}
		n = 0
		for range k {
			if !d.have(1) {
				return false, d.readErr(at, "stream ends inside a message length")
			}
			n = n<<8 | uint64(d.buf[d.start+d.n])
			d.n++
		}
	}
	if budget := d.lim.MaxBytes - d.n; n > uint64(max(budget, 0)) {
		msg := fmt.Sprintf("message of %d bytes exceeds MaxBytes %d", n, d.lim.MaxBytes)
		if at > d.off {
			msg = fmt.Sprintf("message of %d bytes after %d bytes of the same value exceeds MaxBytes %d", n, at-d.off, d.lim.MaxBytes)
		}
		return false, newError("gob", at, ErrTooLarge, msg)
	}
	if !d.have(int(n)) {
		got := d.end - d.start - d.n
		return false, d.readErr(d.off+int64(d.n+got), fmt.Sprintf("stream ends %d bytes into a message of %d bytes", got, n))
	}
	start := d.n
	d.n += int(n)
	d.chk.more = int64(d.lim.MaxBytes - d.n)
	return d.chk.message(d.buf[d.start+start:d.start+d.n], d.off+int64(start))
}

// have reports whether k bytes after the value's bytes so far are
// buffered, reading until they are or r has no more.
func (d *gobDecoder) have(k int) bool {
	for d.end-d.start-d.n < k {
		if d.eof || d.rerr != nil {
			return false
		}
		d.fill(d.n + k + firstStreamBuf) // room for the value and a little more
	}
	return true
}

// readErr reports the end of the input, or the reader's error, at stream
// offset at: io.EOF inside a value is io.ErrUnexpectedEOF.
func (d *gobDecoder) readErr(at int64, eofMsg string) error {
	if d.rerr == nil {
		return newError("gob", at, io.ErrUnexpectedEOF, eofMsg)
	}
	return &Error{Codec: "gob", Offset: at, Msg: "read: " + d.rerr.Error(), Err: d.rerr}
}

// gobFeed hands gob.Decoder the checked bytes of one value. It is an
// io.ByteReader, so gob.Decoder reads it directly instead of through a
// bufio.Reader of its own that would read ahead of the checker. At the end
// of the value it reports io.EOF.
type gobFeed struct {
	data  []byte
	pos   int
	short bool // gob asked for a byte after the end
}

func (f *gobFeed) Read(p []byte) (int, error) {
	if f.pos >= len(f.data) {
		f.short = f.short || len(p) > 0
		return 0, io.EOF
	}
	n := copy(p, f.data[f.pos:])
	f.pos += n
	return n, nil
}

func (f *gobFeed) ReadByte() (byte, error) {
	if f.pos >= len(f.data) {
		f.short = true
		return 0, io.EOF
	}
	f.pos++
	return f.data[f.pos-1], nil
}

// gobValues counts the values data holds as a gob stream with
// DefaultLimits, for Detect: 0 unless every message passes the checker
// and the last one completes a value.
func gobValues(data []byte, cut bool) seen {
	lim := DefaultLimits.resolve()
	chk := newGobChecker(lim)
	values, end, unit, done := 0, 0, 0, 0
	for end < len(data) {
		start, stop, err := gobMessage(data, end)
		if err != nil {
			if at, ok := cutAt(err, end); cut && ok {
				return seen{values + 1, done, at}
			}
			return seen{}
		}
		if unit += stop - end; unit > lim.MaxBytes {
			return seen{}
		}
		chk.more = int64(min(len(data)-stop, lim.MaxBytes-unit))
		isValue, err := chk.message(data[start:stop], int64(start))
		if err != nil {
			return seen{}
		}
		end = stop
		if isValue {
			values, unit, done = values+1, 0, end
		}
	}
	if chk.pending() {
		if cut {
			return seen{values + 1, done, end}
		}
		return seen{}
	}
	return seen{values, end, end}
}

// refuseSkips refuses the value the checker has just walked, which starts
// at stream offset off, when encoding/gob would skip part of it that holds
// a shape gob's skipping code misreads (see gobCodec and
// gobChecker.maySkip).
func (c *gobChecker) refuseSkips(v any, off int64) error {
	if !c.ambiguous {
		return nil
	}
	var dst reflect.Type
	if v != nil {
		dst = reflect.TypeOf(v)
	}
	if !c.maySkip(dst) {
		return nil
	}
	what := fmt.Sprintf("%T has no field for", v)
	if v == nil {
		what = "Decode(nil) skips"
	}
	return newError("gob", off, ErrMalformed, what+" part of this value that holds interface values, "+
		"and encoding/gob misreads a nil interface value, or one that defines types, when it skips it "+
		"(golang/go#34879): decode into a type with a field for every field the sender's types have")
}

// gobProbe is what gobRegistered sends under the name it looks up.
type gobProbe struct{}

type gobProbeHolder struct{ V any }

const gobProbeName = "github.com/wirekit/wirekit/marshal.gobProbe"

var (
	gobProbeOnce     sync.Once
	gobProbeTemplate []byte // a gob stream of gobProbeHolder{gobProbe{}}
	gobTypes         sync.Map
)

// gobRegistered returns the Go type gob has registered under name (see
// gob.Register), which encoding/gob keeps to itself. It asks gob: it
// decodes an empty struct value sent under that name into an interface,
// and looks at what comes out. registered is false when gob has nothing
// under the name; typ is nil when the registered type is not a struct or
// a pointer to one (gob cannot decode an empty struct into it). Found
// types are remembered.
func gobRegistered(name string) (typ reflect.Type, registered bool) {
	if t, ok := gobTypes.Load(name); ok {
		return t.(reflect.Type), true
	}
	gobProbeOnce.Do(func() {
		gob.RegisterName(gobProbeName, gobProbe{})
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(gobProbeHolder{V: gobProbe{}}); err != nil {
			panic("marshal: gob probe: " + err.Error())
		}
		gobProbeTemplate = buf.Bytes()
	})
	stream, ok := gobRename(gobProbeTemplate, gobProbeName, name)
	if !ok {
		return nil, true
	}
	var h gobProbeHolder
	if err := gob.NewDecoder(bytes.NewReader(stream)).Decode(&h); err != nil {
		return nil, !strings.Contains(err.Error(), "not registered")
	}
	typ = reflect.TypeOf(h.V)
	gobTypes.Store(name, typ)
	return typ, true
}

// gobRename returns stream with the interface type name from, which it
// holds once, replaced by to, and the length of the message that holds it
// fixed.
func gobRename(stream []byte, from, to string) ([]byte, bool) {
	old := append(gobAppendUint(nil, uint64(len(from))), from...)
	for end := 0; end < len(stream); {
		start, stop, err := gobMessage(stream, end)
		if err != nil {
			return nil, false
		}
		body := stream[start:stop]
		if i := bytes.Index(body, old); i >= 0 {
			nb := append(append(append([]byte(nil), body[:i]...), gobAppendUint(nil, uint64(len(to)))...), to...)
			nb = append(nb, body[i+len(old):]...)
			out := append([]byte(nil), stream[:end]...)
			out = gobAppendUint(out, uint64(len(nb)))
			out = append(out, nb...)
			return append(out, stream[stop:]...), true
		}
		end = stop
	}
	return nil, false
}

// gobAppendUint appends x in gob's unsigned integer encoding.
func gobAppendUint(b []byte, x uint64) []byte {
	if x < 0x80 {
		return append(b, byte(x))
	}
	var be [8]byte
	binary.BigEndian.PutUint64(be[:], x)
	i := 0
	for be[i] == 0 {
		i++
	}
	b = append(b, byte(-(8 - i)))
	return append(b, be[i:]...)
}
