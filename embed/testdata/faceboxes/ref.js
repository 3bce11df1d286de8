// Reference for embed/faceboxes.go: runs the whole faceboxes graph (its TF control flow
// included) in TF.js on one image and dumps its outputs, the six prediction heads and the
// padded standardized input. From a copy of ../shared/tools/tfjs-oracle after npm ci:
//   node ref.js MODELS/faceboxes.json IMAGE OUTDIR
// (embed/testdata/faceboxes/obama.json holds the top 10 boxes of meta.json and o0/o1.f32.)

'use strict';
const fs = require('fs'); const path = require('path');
const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-backend-cpu');
const converter = require('@tensorflow/tfjs-converter');
const jpeg = require('jpeg-js'); const { PNG } = require('pngjs');
function fileHandler(jsonPath) {
  return { load: async () => {
    const j = JSON.parse(fs.readFileSync(jsonPath, 'utf8')); const dir = path.dirname(jsonPath);
    const weightSpecs = []; const buffers = [];
    for (const g of j.weightsManifest) { weightSpecs.push(...g.weights); for (const p of g.paths) buffers.push(fs.readFileSync(path.join(dir, p))); }
    const all = Buffer.concat(buffers);
    return { modelTopology: j.modelTopology, weightSpecs, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength), format: j.format, generatedBy: j.generatedBy, convertedBy: j.convertedBy, signature: j.signature };
  } };
}
(async () => {
  await tf.setBackend('cpu');
  const [model_, img, out] = process.argv.slice(2);
  const model = await converter.loadGraphModel(fileHandler(model_));
  const buf = fs.readFileSync(img); let w, h, d;
  if (buf[0] === 0x89) { const p = PNG.sync.read(buf); w = p.width; h = p.height; d = p.data; } else { const j = jpeg.decode(buf, { useTArray: true }); w = j.width; h = j.height; d = j.data; }
  const rgb = new Int32Array(w * h * 3);
  for (let i = 0; i < w * h; i++) { rgb[3 * i] = d[4 * i]; rgb[3 * i + 1] = d[4 * i + 1]; rgb[3 * i + 2] = d[4 * i + 2]; }
  const x = tf.tensor(rgb, [1, h, w, 3], 'int32');
  const names = ['boxes', 'scores', 'num_boxes', 'standardize_input/mul',
    'prediction_layers/class_predictor_0/BiasAdd', 'prediction_layers/class_predictor_1/BiasAdd', 'prediction_layers/class_predictor_2/BiasAdd',
    'prediction_layers/box_encoding_predictor_0/BiasAdd', 'prediction_layers/box_encoding_predictor_1/BiasAdd', 'prediction_layers/box_encoding_predictor_2/BiasAdd',
    'concatenate/concat', 'postprocessing/Softmax'];
  const res = await model.executeAsync(x, names);
  fs.mkdirSync(out, { recursive: true });
  const meta = { image: img, w, h, outputs: [] };
  for (let i = 0; i < names.length; i++) {
    const t = res[i]; const a = await t.data();
    const f = new Float32Array(a.length); for (let k = 0; k < a.length; k++) f[k] = a[k];
    const file = `o${i}.f32`; fs.writeFileSync(path.join(out, file), Buffer.from(f.buffer));
    meta.outputs.push({ name: names[i], shape: t.shape, file, first: Array.from(f.slice(0, 8)) });
  }
  fs.writeFileSync(path.join(out, 'meta.json'), JSON.stringify(meta, null, 1));
  console.log(JSON.stringify(meta.outputs.map(o => [o.name, o.shape, o.first.slice(0, 6)])));
})().catch(e => { console.error(e); process.exit(1); });
