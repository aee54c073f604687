// Command wirectl encodes, decodes, converts and inspects everything
// wirekit speaks. It is thin: every codec, framing and protocol decoder it
// uses lives in a package (marshal, framing, inspect, ...), so a Go
// program can do whatever it does.
//
//	wirectl decode < capture.bin              # sniff the format, print the values
//	wirectl decode --format cbor -o diag x.cbor
//	wirectl decode --frame be32 -o annotate capture.bin
//	wirectl decode --schema file.x --type file -o json file.bin   # XDR by its .x
//	wirectl encode --format msgpack < values.json > values.msgpack
//	wirectl convert --from cbor --to json x.cbor
//	wirectl gen --package square --out ./square square.x          # Go code from .x
//
// Exit status: 0 on success, 1 on malformed input (the message names the
// byte offset), 2 on usage errors. Errors go to stderr, data to stdout.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// run is wirectl with its arguments and standard streams: main without
// the process, for tests.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdin, stdout, stderr)
}

// runContext is run with a context: cancelling it stops a server.
func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:   "wirectl",
		Short: "Encode, decode, convert and inspect wire formats",
		Long: `wirectl encodes, decodes, converts and inspects the formats wirekit speaks:
JSON, MessagePack, CBOR, gob, XDR by its .x files (--schema), and, through the
Go API, graph, plain or in length-prefixed frames.`,
		Example: `  wirectl decode < capture.bin
  wirectl decode -o diag testdata/wirectl/cbor.bin
  wirectl decode --schema testdata/xdr/file.x --type file testdata/xdr/file.bin
  wirectl encode --format msgpack < values.json > values.msgpack
  wirectl convert --from cbor --to json testdata/wirectl/cbor.bin`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(decodeCommand(), encodeCommand(), convertCommand(), genCommand(), serveCommand(), callCommand(), storeCommand())

	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "wirectl:", err)
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		return 2
	}
	return 1
}

// isCobraUsage reports whether err is cobra's own complaint about the
// command line that no hook of ours sees (an unknown command).
func isCobraUsage(err error) bool {
	return strings.HasPrefix(err.Error(), "unknown command")
}

// atMostOneFile is the Args of commands that read FILE or stdin.
func atMostOneFile(_ *cobra.Command, args []string) error {
	if len(args) > 1 {
		return usagef("one FILE at most (or none, for stdin), got %d", len(args))
	}
	return nil
}
