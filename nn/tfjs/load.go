package tfjs

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/wajah-id/wajah/nn"
)

// Load reads a TF.js graph model (model.json and the weight shards it lists, which are
// looked up beside it) and returns a runnable model. Image inputs get a dynamic batch.
func Load(modelJSONPath string) (*nn.Model, error) {
	return loadPlanned(modelJSONPath, nil)
}

// LoadGraph reads a TF.js graph model into nn's IR without planning it.
func LoadGraph(modelJSONPath string) (*nn.Graph, error) {
	return loadGraph(modelJSONPath, nil)
}

// LoadCut reads the part of a TF.js graph model between cut.Input and cut.Outputs as a
// runnable model: for graphs whose pre- or post-processing nn does not run (faceboxes
// decodes its boxes in TensorFlow control flow), so that the caller does that part.
func LoadCut(modelJSONPath string, cut Cut) (*nn.Model, error) {
	return loadPlanned(modelJSONPath, &cut)
}

func loadPlanned(modelJSONPath string, cut *Cut) (*nn.Model, error) {
	g, err := loadGraph(modelJSONPath, cut)
	if err != nil {
		return nil, err
	}
	m, err := nn.FromGraph(g)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", modelJSONPath, err)
	}
	return m, nil
}

func loadGraph(modelJSONPath string, cut *Cut) (*nn.Graph, error) {
	f, err := os.Open(modelJSONPath)
	if err != nil {
		return nil, fmt.Errorf("tfjs: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxJSONBytes+1))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("tfjs: %s: %w", modelJSONPath, err)
	}
	g, err := parse(data, filepath.Dir(modelJSONPath), cut)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", modelJSONPath, err)
	}
	return g, nil
}

// parse converts model.json bytes whose shards live in dir.
func parse(data []byte, dir string, cut *Cut) (*nn.Graph, error) {
	m, err := parseModelJSON(data)
	if err != nil {
		return nil, err
	}
	w, err := readWeights(dir, m.WeightsManifest)
	if err != nil {
		return nil, err
	}
	gr, err := buildGraph(m, w, cut)
	if err != nil {
		return nil, err
	}
	if err := rewrite(gr); err != nil {
		return nil, err
	}
	return convert(gr)
}
