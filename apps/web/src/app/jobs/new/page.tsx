'use client';

import { JobSubmitForm } from '../../../ui/job-submit-form';

export default function NewJobPage() {
  return (
    <>
      <div className="page-head">
        <h1>Submit a job</h1>
      </div>
      <JobSubmitForm />
    </>
  );
}
