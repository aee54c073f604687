package sqtime

import (
	"io"
	"net"
	"runtime"
	"sync"
	"time"
)

// batchWriter owns the write side of a connection for server and client
// alike. Callers queue whole messages; one goroutine writes everything
// queued so far in a single Write, so a message is never split between
// Writes nor interleaved with another. When woken, the writer yields once
// before taking the queue, so that the goroutines about to queue (other
// callers, other handlers) add to the batch: with 64 callers that is
// about ten messages a Write instead of one or two, and several times
// the calls per second, for well under a microsecond added when alone.
type batchWriter struct {
	w       io.Writer
	timeout time.Duration // if w is a net.Conn: each Write must finish within it (0: no bound)
	sent    func(n int)   // if set, called after each Write with the messages it carried
	fail    func(error)   // called once, from the writing goroutine, when a Write fails
	wake    chan struct{} // capacity 1: a queued message or closing
	done    chan struct{} // closed when run returns

	mu      sync.Mutex
	buf     []byte // encoded messages waiting for the next Write
	n       int    // how many
	closing bool
	err     error // the failed Write's error; nothing is written after it
}

func newBatchWriter(w io.Writer, timeout time.Duration, sent func(int), fail func(error)) *batchWriter {
	bw := &batchWriter{w: w, timeout: timeout, sent: sent, fail: fail, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go bw.run()
	return bw
}

// queue adds m to the next Write. It fails only if an earlier Write did
// or m cannot be encoded.
func (bw *batchWriter) queue(m Message) error {
	bw.mu.Lock()
	if bw.err != nil {
		err := bw.err
		bw.mu.Unlock()
		return err
	}
	var err error
	bw.buf, err = AppendMessage(bw.buf, m)
	if err != nil {
		bw.mu.Unlock()
		return err
	}
	bw.n++
	bw.mu.Unlock()
	select {
	case bw.wake <- struct{}{}:
	default: // a wake-up is already pending; it will see this message too
	}
	return nil
}

// close writes what is queued, stops the writing goroutine and waits for
// it. Messages queued after close are never written.
func (bw *batchWriter) close() {
	bw.mu.Lock()
	bw.closing = true
	bw.mu.Unlock()
	select {
	case bw.wake <- struct{}{}:
	default:
	}
	<-bw.done
}

func (bw *batchWriter) run() {
	defer close(bw.done)
	var out []byte
	for {
		bw.mu.Lock()
		out, bw.buf = bw.buf, out[:0] // double buffering: no allocation once warm
		n, closing := bw.n, bw.closing
		bw.n = 0
		bw.mu.Unlock()
		if n == 0 {
			if closing {
				return
			}
			<-bw.wake
			runtime.Gosched() // see the type's comment
			continue
		}
		// A peer that does not read must not hold the connection, and
		// everything waiting on this Write, for ever.
		if c, ok := bw.w.(net.Conn); ok && bw.timeout > 0 {
			c.SetWriteDeadline(time.Now().Add(bw.timeout))
		}
		if _, err := bw.w.Write(out); err != nil {
			bw.mu.Lock()
			bw.err = err
			bw.buf = nil
			bw.mu.Unlock()
			bw.fail(err)
			return
		}
		if bw.sent != nil {
			bw.sent(n)
		}
	}
}
