import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';
import { route } from './route';
import { OverviewPage } from './pages/Overview';
import { SloPage } from './pages/Slo';
import { WhatIfPage } from './pages/WhatIf';
import { EvaluationPage } from './pages/Evaluation';
import { Layout, Message } from './ui';

function App() {
  const r = route(window.location.pathname);
  if (!r) return <Layout repo={null} title="No such page"><Message title="No such page" text="Details pages live at /ui/<owner>/<repo>." /></Layout>;
  switch (r.page) {
    case 'overview': return <OverviewPage repo={r.repo} />;
    case 'slo': return <SloPage repo={r.repo} sloId={r.sloId} />;
    case 'what-if': return <WhatIfPage repo={r.repo} sloId={r.sloId} />;
    case 'pull': return <EvaluationPage repo={r.repo} pr={r.pr} sha={r.sha} />;
  }
}

createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);
