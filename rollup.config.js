// Builds the package: ESM, CommonJS and type declarations into dist-js/, and api-iife.js, which
// build.rs registers so that apps with `app.withGlobalTauri` get `window.__TAURI__.sidecar`.
import { readFileSync } from 'node:fs'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import typescript from '@rollup/plugin-typescript'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const input = 'guest-js/index.ts'
const globalName = '__TAURI_PLUGIN_SIDECAR__'
const failOnWarning = (warning) => {
  throw Object.assign(new Error(warning.message), warning)
}

export default [
  {
    input,
    output: [
      { file: pkg.exports.import, format: 'esm' },
      { file: pkg.exports.require, format: 'cjs' }
    ],
    plugins: [typescript({ declaration: true, declarationDir: 'dist-js' })],
    external: [/^@tauri-apps\/api/],
    onwarn: failOnWarning
  },
  {
    input,
    output: {
      file: 'api-iife.js',
      format: 'iife',
      name: globalName,
      // Only where the global API is enabled: attach this package as window.__TAURI__.sidecar.
      banner: "if ('__TAURI__' in window) {",
      footer: `Object.defineProperty(window.__TAURI__, 'sidecar', { value: ${globalName} }) }`
    },
    plugins: [typescript(), nodeResolve(), terser()],
    onwarn: failOnWarning
  }
]
