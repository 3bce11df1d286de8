package config

import (
	"fmt"

	"github.com/wajah-id/wajah/engine"
)

// LivenessOptions turns the liveness settings into the engine's gate options.
func (c *Config) LivenessOptions() (engine.LivenessOptions, error) {
	o := engine.LivenessOptions{Threshold: c.LivenessThreshold}
	switch c.Liveness {
	case "on":
	case "off":
		o.Off = true
	default:
		return o, fmt.Errorf("liveness %q: want on or off", c.Liveness)
	}
	if c.LivenessThreshold <= 0 || c.LivenessThreshold > 1 {
		return o, fmt.Errorf("liveness-threshold %v: want a value in (0,1]", c.LivenessThreshold)
	}
	return o, nil
}
