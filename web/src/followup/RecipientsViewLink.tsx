import { Link } from '@tanstack/react-router';
import type { AnchorHTMLAttributes, ReactNode, Ref } from 'react';
import { useViewMailing } from './context';
import type { RecipientsView } from './summary';

type Props = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href' | 'children' | 'target'> & {
  view: RecipientsView;
  children: ReactNode;
  /** Tooltips attach through the ref and the event props (passed on). */
  ref?: Ref<HTMLAnchorElement>;
};

/** A link to the Recipients tab showing exactly the recipients of `view` (a number's "who"). */
export function RecipientsViewLink({ view, children, ref, ...rest }: Props) {
  const { mailing } = useViewMailing();
  return (
    <Link
      {...rest}
      ref={ref}
      to="/mailings/$id/view"
      params={{ id: String(mailing.id) }}
      search={{ tab: 'recipients', ...view }}
    >
      {children}
    </Link>
  );
}
