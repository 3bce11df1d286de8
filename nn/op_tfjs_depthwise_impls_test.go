//go:build !(goexperiment.simd && amd64)

package nn

type dwImpl struct {
	name string
	simd bool
	set  func() (restore func())
}

// dwImpls lists the kernels this build has: the generic one only.
func dwImpls() []dwImpl {
	return []dwImpl{{name: "generic", set: func() func() { return func() {} }}}
}
