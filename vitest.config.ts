import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['guest-js/tests/**/*.test.ts'],
    environment: 'happy-dom'
  }
})
