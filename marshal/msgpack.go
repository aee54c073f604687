package marshal

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// msgpackCodec is github.com/vmihailenco/msgpack/v5 made safe for hostile
// input. The library trusts declared lengths: Unmarshal preallocates
// what an array header announces, so the five bytes dd ff ff ff ff
// decoded into []int64 ask for 32 GiB; and it decodes by recursion with no
// nesting limit. mpScanner therefore walks every value first, and the
// library only sees bytes whose lengths all fit in the input and whose
// nesting is within the limit, which bounds what it can allocate by a
// multiple of the input's size.
//
// Extension payloads are opaque to the check: an extension type the
// application registers decodes its own payload.
type msgpackCodec struct{ lim Limits }

func (msgpackCodec) Name() string { return "msgpack" }

func (c msgpackCodec) Marshal(v any) ([]byte, error) {
	b, err := msgpack.Marshal(v)
	if err != nil {
		return nil, libError("msgpack", -1, err)
	}
	return b, nil
}

func (c msgpackCodec) Unmarshal(data []byte, v any) error {
	if len(data) > c.lim.MaxBytes {
		return tooLarge("msgpack", len(data), c.lim.MaxBytes)
	}
	m := mpPool.Get().(*mpState)
	defer mpPool.Put(m)
	m.sc.lim = c.lim
	m.sc.reset(0)
	end, _, err := m.sc.scan(data, true)
	if err != nil {
		return err
	}
	if end < len(data) {
		return trailing("msgpack", end, len(data))
	}
	return m.decode(data, v)
}

// mpState is a scanner and a library Decoder, reused value after value.
type mpState struct {
	sc  mpScanner
	r   bytes.Reader
	dec *msgpack.Decoder
}

var mpPool = sync.Pool{New: func() any { return newMpState(Limits{}) }}

func newMpState(lim Limits) *mpState {
	m := &mpState{sc: mpScanner{lim: lim}}
	// The library Decoder reads m.r for good; decode points m.r at each
	// value in turn.
	m.dec = msgpack.NewDecoder(&m.r)
	m.dec.SetMapDecoder(decodeMpMap)
	return m
}

// decode decodes one value m.sc has checked.
func (m *mpState) decode(raw []byte, v any) (err error) {
	if len(m.sc.extMaps) > 0 && reachesMap(reflect.TypeOf(v)) {
		if err := checkExtMaps(raw, m.sc.extMaps, m.sc.lim); err != nil {
			return err
		}
	}
	m.r.Reset(raw)
	defer func() {
		m.r.Reset(nil) // do not keep the caller's bytes
		// The library stores a key that is an array or a map into a Go
		// map, which panics: map[any]any cannot hold it.
		if p := recover(); p != nil {
			re, ok := p.(runtime.Error)
			if !ok || !strings.Contains(re.Error(), "unhashable") {
				panic(p)
			}
			err = newError("msgpack", -1, ErrMalformed, "map key cannot be a Go map key: "+re.Error())
		}
	}()
	return libError("msgpack", -1, m.dec.Decode(v))
}

// decodeMpMap decodes a map into an interface: map[string]any when every key
// is a string, as the library does, and otherwise map[any]any, where the
// library fails; MessagePack maps often have integer keys.
func decodeMpMap(d *msgpack.Decoder) (any, error) {
	n, err := d.DecodeMapLen()
	if err != nil || n < 0 {
		return nil, err
	}
	m := make(map[string]any, n) // n fits in the input: mpScanner checked it
	var mixed map[any]any
	for i := range n {
		k, err := d.DecodeInterface()
		if err != nil {
			return nil, err
		}
		v, err := d.DecodeInterface()
		if err != nil {
			return nil, err
		}
		if s, ok := k.(string); ok && mixed == nil {
			m[s] = v
			continue
		}
		if k != nil && !reflect.ValueOf(k).Comparable() {
			return nil, fmt.Errorf("map key %d is a %T, which cannot be a Go map key", i, k)
		}
		if mixed == nil {
			mixed = make(map[any]any, n)
			for ks, kv := range m {
				mixed[ks] = kv
			}
		}
		mixed[k] = v
	}
	if mixed != nil {
		return mixed, nil
	}
	return m, nil
}

// NewEncoder returns an Encoder that writes each value in one Write.
func (c msgpackCodec) NewEncoder(w io.Writer) Encoder {
	e := &msgpackEncoder{w: w}
	e.enc = msgpack.NewEncoder(&e.buf)
	return e
}

type msgpackEncoder struct {
	w   io.Writer
	buf bytes.Buffer
	enc *msgpack.Encoder
}

func (e *msgpackEncoder) Encode(v any) error {
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return libError("msgpack", -1, err)
	}
	_, err := e.w.Write(e.buf.Bytes())
	return err
}

func (c msgpackCodec) NewDecoder(r io.Reader) Decoder {
	m := newMpState(c.lim)
	return &streamDecoder{codec: "msgpack", window: window{r: r}, lim: c.lim, sc: &m.sc, decode: m.decode}
}

// trailing is the error for bytes after Unmarshal's value.
func trailing(codec string, end, n int) error {
	return newError(codec, int64(end), ErrTrailingData, fmt.Sprintf("%d bytes after the value", n-end))
}

// The library decodes an extension into a Go map as if its payload were
// a map: it skips the extension's header and reads a map from the payload
// on, past the payload's end if the map says so. mpScanner treats payloads
// as opaque bytes, so that map, and everything the library reads for it,
// is unchecked: the ten bytes d7 00 df ff ff ff ff 00 00 00 decoded into a
// map[string]int make the library allocate a map of a million entries.
//
// So when the destination has a map type in it and the value has
// extension payloads that start with a map header, checkExtMaps checks
// each as the map the library would read, with the same limits; the
// payloads that check finds in those maps are checked in turn. A payload
// that is not a sound map is an error, even if the library would have
// decoded that extension as something else (a timestamp into a
// time.Time, say): which extension lands in a map depends on the type
// and the data, and the check cannot tell.
func checkExtMaps(raw []byte, extMaps []int, lim Limits) error {
	todo := append([]int(nil), extMaps...)
	seen := make(map[int]bool, len(todo))
	// Each check reads a map's bytes; maps can overlap, so bound the
	// total to keep hostile input linear.
	budget := 4*len(raw) + 1024
	var s mpScanner
	s.lim = lim
	for len(todo) > 0 {
		at := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[at] {
			continue
		}
		seen[at] = true
		s.reset(int64(at))
		end, _, err := s.scan(raw[at:], true)
		if err != nil {
			e := err.(*Error)
			return newError("msgpack", e.Offset, ErrMalformed, fmt.Sprintf(
				"the extension payload at offset %d starts like a map, which the library would read into a Go map, but that map is not sound: %s", at, e.Msg))
		}
		if budget -= end; budget < 0 {
			return newError("msgpack", int64(at), ErrMalformed,
				"extension payloads that start like maps overlap too much to check")
		}
		for _, p := range s.extMaps {
			todo = append(todo, at+p)
		}
	}
	return nil
}

var mapTypes sync.Map // reflect.Type → bool: see reachesMap

// reachesMap reports whether decoding into a value of type t can decode
// into a Go map: t is or holds one, in fields, elements or pointers, or
// decodes itself (and could). Interfaces do not count: the library decodes
// into an empty interface by the data's own type byte, never an
// extension as a map.
func reachesMap(t reflect.Type) bool {
	if t == nil {
		return false
	}
	if r, ok := mapTypes.Load(t); ok {
		return r.(bool)
	}
	r := reachesMapIn(t, map[reflect.Type]bool{})
	mapTypes.Store(t, r)
	return r
}

var (
	customDecoder = reflect.TypeFor[msgpack.CustomDecoder]()
	unmarshaler   = reflect.TypeFor[msgpack.Unmarshaler]()
)

func reachesMapIn(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	pt := reflect.PointerTo(t)
	if pt.Implements(customDecoder) || pt.Implements(unmarshaler) {
		return true
	}
	switch t.Kind() {
	case reflect.Map:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return reachesMapIn(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if reachesMapIn(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}
