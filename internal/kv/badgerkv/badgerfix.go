package badgerkv

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// removeEmptyLogs (shared with the engine until it opens the store through this
// package) works around a Badger v4.9.6 recovery failure found by TestCrash: a
// process killed between creating a value-log or memtable WAL file and sizing it leaves
// a zero-byte NNNNNN.vlog or NNNNN.mem, and the next Open fails with "Open existing
// file ... Create a new file" or "while opening memtables ... Create a new file"
// (valueLog.open and openMemTables treat ristretto's z.NewFile as an error). A
// zero-byte log holds no entry, so nothing can point into it or be lost with it, and
// removing it before Open is safe.
func removeEmptyLogs(dir string, log *slog.Logger) error {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, d := range ents {
		if !(strings.HasSuffix(d.Name(), ".vlog") || strings.HasSuffix(d.Name(), ".mem")) || d.IsDir() {
			continue
		}
		info, err := d.Info()
		if err != nil || info.Size() != 0 {
			continue
		}
		p := filepath.Join(dir, d.Name())
		log.Warn("engine: removing empty log file left by a crash", "file", p)
		if err := os.Remove(p); err != nil {
			return err
		}
	}
	return nil
}
