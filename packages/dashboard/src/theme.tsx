/** Light and dark themes: the system's choice until the user picks one, which is remembered. */
import { useEffect, useState } from 'react';

type Theme = 'light' | 'dark';
const KEY = 'parapet.theme';

function stored(): Theme | null {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null;
  }
}

function system(): Theme {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Sets `data-theme` on <html> before the first render, so there is no flash of the wrong theme. */
export function applyInitialTheme(): void {
  document.documentElement.dataset.theme = stored() ?? system();
}

export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(
    () => (document.documentElement.dataset.theme as Theme) ?? 'light',
  );
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      className="btn btn-small"
      aria-label={`Switch to the ${next} theme`}
      data-testid="theme-toggle"
      onClick={() => {
        try {
          localStorage.setItem(KEY, next);
        } catch {
          // not remembered; still switched
        }
        setTheme(next);
      }}
    >
      {theme === 'dark' ? 'Light theme' : 'Dark theme'}
    </button>
  );
}
