package bench

import (
	"bytes"
	"encoding/binary"
	"io"
	"strconv"
	"testing"

	"github.com/libp2p/go-msgio"

	"github.com/wirekit/wirekit/framing"
)

// loop is an endless in-memory stream: the same complete frames, over and
// over, so every implementation reads the same bytes at the same pace.
type loop struct {
	data []byte
	off  int
}

func (l *loop) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off += n
	if l.off == len(l.data) {
		l.off = 0
	}
	return n, nil
}

// framedStream returns about 1 MiB of frames of size bytes each.
func framedStream(b *testing.B, k framing.Kind, size int) []byte {
	var buf bytes.Buffer
	w := framing.NewWriter(&buf, k)
	payload := bytes.Repeat([]byte{0xab}, size)
	for buf.Len() < 1<<20 {
		if err := w.WriteFrame(payload); err != nil {
			b.Fatal(err)
		}
	}
	return buf.Bytes()
}

func BenchmarkFramingRead(b *testing.B) {
	for _, size := range []int{16, 64 << 10} {
		for _, k := range []framing.Kind{framing.BE32, framing.Uvarint} {
			prefix := "size=" + strconv.Itoa(size) + "/kind=" + k.String()
			data := framedStream(b, k, size)
			b.Run(prefix+"/impl=wirekit", func(b *testing.B) {
				r := framing.NewReader(&loop{data: data}, k)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					f, err := r.ReadFrame()
					if err != nil || len(f) != size {
						b.Fatal(len(f), err)
					}
				}
			})
			b.Run(prefix+"/impl=msgio", func(b *testing.B) {
				var r msgio.ReadCloser
				if k == framing.BE32 {
					r = msgio.NewReaderSize(&loop{data: data}, 1<<20)
				} else {
					r = msgio.NewVarintReaderSize(&loop{data: data}, 1<<20)
				}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					f, err := r.ReadMsg()
					if err != nil || len(f) != size {
						b.Fatal(len(f), err)
					}
					r.ReleaseMsg(f)
				}
			})
			if k != framing.BE32 {
				continue
			}
			// The floor: io.ReadFull of the header and of the payload into
			// buffers allocated once.
			b.Run(prefix+"/impl=readfull", func(b *testing.B) {
				src := &loop{data: data}
				var hdr [4]byte
				buf := make([]byte, size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := io.ReadFull(src, hdr[:]); err != nil {
						b.Fatal(err)
					}
					if _, err := io.ReadFull(src, buf[:binary.BigEndian.Uint32(hdr[:])]); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkFramingWrite(b *testing.B) {
	for _, size := range []int{16, 64 << 10} {
		payload := bytes.Repeat([]byte{0xab}, size)
		prefix := "size=" + strconv.Itoa(size) + "/kind=be32"
		b.Run(prefix+"/impl=wirekit", func(b *testing.B) {
			w := framing.NewWriter(io.Discard, framing.BE32)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := w.WriteFrame(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(prefix+"/impl=msgio", func(b *testing.B) {
			w := msgio.NewWriter(io.Discard)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := w.WriteMsg(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestFramingPeersAgree: msgio reads what wirekit writes, and wirekit
// reads what msgio writes, for both length formats compared.
func TestFramingPeersAgree(t *testing.T) {
	msgs := [][]byte{{}, []byte("a"), bytes.Repeat([]byte("xy"), 300)}
	for _, k := range []framing.Kind{framing.BE32, framing.Uvarint} {
		var ours, theirs bytes.Buffer
		w := framing.NewWriter(&ours, k)
		var mw msgio.WriteCloser = msgio.NewWriter(&theirs)
		if k == framing.Uvarint {
			mw = msgio.NewVarintWriter(&theirs)
		}
		for _, m := range msgs {
			if err := w.WriteFrame(m); err != nil {
				t.Fatal(err)
			}
			if err := mw.WriteMsg(m); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(ours.Bytes(), theirs.Bytes()) {
			t.Errorf("%v: wirekit wrote %x, msgio %x", k, ours.Bytes(), theirs.Bytes())
		}
		r := framing.NewReader(&theirs, k)
		for i, m := range msgs {
			if f, err := r.ReadFrame(); err != nil || !bytes.Equal(f, m) {
				t.Errorf("%v: frame %d: %q, %v", k, i, f, err)
			}
		}
	}
}
