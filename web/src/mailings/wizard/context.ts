import { createContext, useContext } from 'react';
import type { ApiError } from '../../api/errors';
import type { MailingDetail, Me, Step } from '../../api/types';

export interface WizardContextValue {
  /** The mailing as stored with the unsaved changes applied. */
  mailing: MailingDetail;
  steps: Step[] | undefined;
  me: Me;
  dirty: boolean;
  saving: boolean;
  saveError: ApiError | null;
  /** Changes one field (dotted path) in the unsaved changes. */
  change: (path: string, value: unknown) => void;
  /** Saves the unsaved changes (a merge patch of what changed); resolves false when refused. */
  save: () => Promise<boolean>;
  /** The message to show next to a field: the refused save's, else the step's. */
  fieldError: (field: string) => string | undefined;
  /** Reloads the mailing, its steps and recipients after an action. */
  refresh: () => Promise<void>;
  readOnly: boolean;
}

export const WizardContext = createContext<WizardContextValue | null>(null);

export function useWizard(): WizardContextValue {
  const value = useContext(WizardContext);
  if (!value) throw new Error('useWizard outside the wizard');
  return value;
}
