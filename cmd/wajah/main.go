// Command wajah is the face-verification server and its operator tools. Each subcommand
// lives in its own file and registers itself; main only dispatches.
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// command is one subcommand: run gets the arguments after the command's own words.
type command struct {
	summary string
	run     func(args []string) error
}

var commands = map[string]command{}

// register adds a subcommand; name may have two words ("bench nn").
func register(name, summary string, run func(args []string) error) {
	commands[name] = command{summary: summary, run: run}
}

func main() {
	args := os.Args[1:]
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage()
		return
	}
	name, rest := args[0], args[1:]
	if len(args) >= 2 {
		if _, ok := commands[args[0]+" "+args[1]]; ok {
			name, rest = args[0]+" "+args[1], args[2:]
		}
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "wajah: unknown command %q\n\n", strings.Join(args[:min(2, len(args))], " "))
		usage()
		os.Exit(2)
	}
	if err := c.run(rest); err != nil {
		fmt.Fprintln(os.Stderr, "wajah "+name+":", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: wajah <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-18s %s\n", n, commands[n].summary)
	}
}
