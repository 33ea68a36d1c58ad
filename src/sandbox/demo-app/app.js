// Demo SMART app: completes the launch (EHR or standalone) with fhirclient, then shows the patient banner
// and recent observations as the facade returns them (masked). Text only: never innerHTML with data.
(function () {
  const $ = (id) => document.getElementById(id);
  const text = (c) => (c && (c.text || (c.coding && c.coding[0] && (c.coding[0].display || c.coding[0].code)))) || '';
  const value = (o) => (o.valueQuantity ? `${o.valueQuantity.value} ${o.valueQuantity.unit || ''}` : (o.component || []).map((c) => `${text(c.code)} ${c.valueQuantity ? c.valueQuantity.value : ''}`).join(', '));

  FHIR.oauth2
    .ready()
    .then(async (client) => {
      const token = client.state.tokenResponse || {};
      $('launch-type').textContent = client.state.scope && client.state.scope.split(' ').includes('launch') ? '(EHR launch)' : '(standalone launch)';
      const patient = await client.patient.read();
      const name = (patient.name || [])[0] || {};
      const ident = (system) => ((patient.identifier || []).find((i) => i.system === system) || {}).value || '';
      $('patient-name').textContent = name.text || [(name.given || []).join(' '), name.family].filter(Boolean).join(' ');
      $('patient-id').textContent = patient.id;
      $('patient-birth').textContent = patient.birthDate || '';
      $('patient-gender').textContent = patient.gender || '';
      // The facade masks the SSN (or removes it for third-party apps): show what arrived, never more.
      $('patient-ssn').textContent = ident('http://hl7.org/fhir/sid/us-ssn') || 'withheld';
      const mrn = (patient.identifier || []).find((i) => i.type && i.type.coding && i.type.coding.some((c) => c.code === 'MR'));
      $('patient-mrn').textContent = (mrn && mrn.value) || '';
      $('encounter-id').textContent = client.encounter.id || '-';
      // need_patient_banner: false means the EHR already shows one around the app.
      $('banner').hidden = token.need_patient_banner === false;
      const bundle = await client.request(`Observation?patient=${encodeURIComponent(patient.id)}&_sort=-date&_count=8`);
      for (const e of bundle.entry || []) {
        const o = e.resource;
        const row = document.createElement('tr');
        for (const cell of [o.effectiveDateTime || '', text(o.code), value(o)]) {
          const td = document.createElement('td');
          td.textContent = cell;
          row.appendChild(td);
        }
        $('observations').appendChild(row);
      }
      document.body.dataset.patient = patient.id;
      document.body.dataset.encounter = client.encounter.id || '';
      document.body.dataset.status = 'ready';
    })
    .catch((err) => {
      $('error').textContent = String((err && err.message) || err);
      document.body.dataset.status = 'error';
    });
})();
