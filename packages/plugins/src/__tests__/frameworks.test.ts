import { describe, expect, it } from 'vitest';
import { detectFramework } from '../environment/frameworks.js';

describe('detectFramework', () => {
  it("matches Turborepo's rules: all or some of the packages, the first framework in its order", () => {
    expect(detectFramework(new Set(['next', 'react']))?.slug).toBe('nextjs');
    // SvelteKit needs @sveltejs/kit; Vite alone is Vite; SvelteKit comes first when both are there.
    expect(detectFramework(new Set(['vite']))?.slug).toBe('vite');
    expect(detectFramework(new Set(['vite', '@sveltejs/kit']))?.slug).toBe('sveltekit');
    // Solid needs both of its packages ('all').
    expect(detectFramework(new Set(['solid-js']))).toBeUndefined();
    expect(detectFramework(new Set(['solid-js', 'solid-start']))?.slug).toBe('solidstart');
    // Create React App needs either ('some').
    expect(detectFramework(new Set(['react-dev-utils']))?.slug).toBe('create-react-app');
    expect(detectFramework(new Set(['react', 'lodash']))).toBeUndefined();
  });
});
