package main

import (
	"bytes"
	"io"

	"github.com/wirekit/wirekit/marshal"
	"github.com/wirekit/wirekit/protocol/sqtime"
	"github.com/wirekit/wirekit/protocol/store"
)

// The protocols decode reads with --proto, or sniffs: each registers as a
// format with proto set and a sniffer of its own.
func init() {
	register(&format{
		name:  "sqtime",
		proto: sqtime.Sniff,
		stream: func(r io.Reader, _ marshal.Limits) (source, error) {
			return &sqtimeSource{r: sqtime.NewReader(r)}, nil
		},
		frame: func(p []byte, off int64, _ marshal.Limits) (*value, error) {
			r := sqtime.NewReader(bytes.NewReader(p))
			m, err := r.Read()
			if err != nil {
				return nil, err
			}
			if _, err := r.Read(); err != io.EOF {
				return nil, usagef("a frame at offset %d holds more than one sqtime message", off)
			}
			return sqtimeValue(m), nil
		},
	})
}

func init() {
	register(&format{
		name:  "store",
		proto: store.Sniff,
		stream: func(r io.Reader, _ marshal.Limits) (source, error) {
			return &storeSource{r: store.NewReader(r)}, nil
		},
	})
}

// storeSource reads store messages: DESIGN §3 prints each as its JSON
// array, so they are JSON values from here on.
type storeSource struct{ r *store.Reader }

func (s *storeSource) next() (*value, error) {
	msg, err := s.r.Read()
	if err != nil {
		return nil, err
	}
	return &value{format: "json", raw: msg}, nil
}

type sqtimeSource struct{ r *sqtime.Reader }

func (s *sqtimeSource) next() (*value, error) {
	m, err := s.r.Read()
	if err != nil {
		return nil, err
	}
	return sqtimeValue(m), nil
}

// sqtimeValue is m as DESIGN §3 prints it in JSON:
// {"type":"sqrt-request","id":1,"value":2}, {"type":"time-response","id":2,"time":"…"}.
func sqtimeValue(m sqtime.Message) *value {
	o := &marshal.Object{Keys: []any{"type", "id"}, Values: []any{m.Type.String(), m.ID}}
	switch m.Type {
	case sqtime.SqrtRequest, sqtime.SqrtResponse:
		o.Keys, o.Values = append(o.Keys, "value"), append(o.Values, marshal.Float(m.Value))
	case sqtime.TimeResponse:
		o.Keys, o.Values = append(o.Keys, "time"), append(o.Values, m.Time)
	}
	return &value{format: "sqtime", goVal: o, isGo: true}
}
