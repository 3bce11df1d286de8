package engine

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// removeEmptyVlogs works around a Badger v4.9.6 recovery failure found by TestCrash:
// a process killed between creating a value-log file and sizing it leaves a zero-byte
// NNNNNN.vlog, and the next Open fails with "Open existing file ... Create a new file"
// (valueLog.open treats ristretto's z.NewFile as an error). A zero-byte value log holds
// no entry, so nothing can point into it, and removing it before Open is safe.
func removeEmptyVlogs(dir string, log *slog.Logger) error {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, d := range ents {
		if !strings.HasSuffix(d.Name(), ".vlog") || d.IsDir() {
			continue
		}
		info, err := d.Info()
		if err != nil || info.Size() != 0 {
			continue
		}
		p := filepath.Join(dir, d.Name())
		log.Warn("engine: removing empty value-log file left by a crash", "file", p)
		if err := os.Remove(p); err != nil {
			return err
		}
	}
	return nil
}
